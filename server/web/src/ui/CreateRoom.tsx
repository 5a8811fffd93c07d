import { useEffect, useRef, useState } from 'preact/hooks';
import { post } from '../api/rest';
import { fail } from '../state/notice';
import { refreshRoom } from '../state/rooms';
import { navigate, roomPath } from '../state/router';

/** A dialog that creates a channel or private group. */
export function CreateRoom({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => dialog.current?.showModal(), []);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(form.get('name')).trim();
    const priv = form.get('private') === 'on';
    const members = String(form.get('members') ?? '')
      .split(/[\s,]+/)
      .map((m) => m.replace(/^@/, ''))
      .filter(Boolean);
    setBusy(true);
    try {
      const answer = await post(priv ? 'groups.create' : 'channels.create', { name, members });
      const room = answer.channel ?? answer.group;
      await refreshRoom(room._id);
      onClose();
      navigate(roomPath(priv ? 'p' : 'c', room.name));
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} class="card dialog" onClose={onClose} aria-labelledby="create-title">
      <form onSubmit={submit}>
        <h2 id="create-title">Create a room</h2>
        <label>
          Name
          <input name="name" required pattern="[A-Za-z0-9._-]+" title="Letters, digits, dots, dashes and underscores" />
        </label>
        <label>
          Members (usernames, optional)
          <input name="members" placeholder="ada, grace" />
        </label>
        <label class="check">
          <input type="checkbox" name="private" /> Private: only invited members can see it
        </label>
        <div class="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy}>
            Create
          </button>
        </div>
      </form>
    </dialog>
  );
}
