import { useEffect } from 'preact/hooks';
import { get } from '../api/rest';
import { toMs, type Message } from '../api/types';
import { fail } from '../state/notice';
import type { Timeline } from '../state/timeline';
import { Composer } from './Composer';
import { Icon } from './Icon';
import { MessageItem } from './MessageItem';

/** A thread beside the room: its first message, its replies (live) and a composer. */
export function ThreadPanel({ rid, tmid, timeline, onClose }: { rid: string; tmid: string; timeline: Timeline; onClose: () => void }) {
  useEffect(() => {
    // Replies and the first message join the room's timeline, which keeps them live.
    Promise.all([
      get('chat.getMessage', { msgId: tmid }).then((answer) => timeline.add(answer.message)),
      get('chat.getThreadMessages', { tmid, count: 100 }).then((answer) => (answer.messages as Message[]).forEach((m) => timeline.add(m))),
    ]).catch(fail);
  }, [tmid]);

  const all = timeline.messages.value;
  const parent = all.find((m) => m._id === tmid);
  const replies = all.filter((m) => m.tmid === tmid).sort((a, b) => toMs(a.ts) - toMs(b.ts));
  return (
    <aside class="thread" aria-label="Thread">
      <header class="thread-head">
        <h2>Thread</h2>
        <button class="icon" aria-label="Close the thread" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
          <Icon name="close" />
        </button>
      </header>
      <div class="thread-messages" role="log" aria-label="Thread messages">
        {parent && <MessageItem message={parent} inThread />}
        <p class="thread-count">{replies.length} {replies.length === 1 ? 'reply' : 'replies'}</p>
        {replies.map((m, i) => (
          <MessageItem key={m._id} message={m} previous={replies[i - 1]} inThread />
        ))}
      </div>
      <Composer rid={rid} tmid={tmid} roomLabel="thread" timeline={timeline} />
    </aside>
  );
}
