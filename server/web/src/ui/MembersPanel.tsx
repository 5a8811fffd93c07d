import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/rest';
import { fail } from '../state/notice';
import { roomPath } from '../state/router';
import { Icon } from './Icon';
import { initial } from './Sidebar';

interface Member {
  _id: string;
  username: string;
  name?: string;
  status?: string;
}

const LISTS = { c: 'channels.members', p: 'groups.members', d: 'im.members' } as const;

/** Who is in the room, with their presence. */
export function MembersPanel({ rid, type, onClose }: { rid: string; type: 'c' | 'p' | 'd'; onClose: () => void }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [total, setTotal] = useState(0);
  useEffect(() => {
    get(LISTS[type], { roomId: rid, count: 100 })
      .then((answer) => {
        setMembers(answer.members);
        setTotal(answer.total ?? answer.members.length);
      })
      .catch(fail);
  }, [rid]);
  return (
    <aside class="thread members-panel" aria-label="Members">
      <header class="thread-head">
        <h2>Members {members && <span class="muted">({total})</span>}</h2>
        <button class="icon" aria-label="Close the member list" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <ul class="member-list">
        {members?.map((m) => (
          <li key={m._id}>
            <span class="avatar" aria-hidden="true">{initial(m.username)}</span>
            <span class="member-name">
              <strong>{m.name || m.username}</strong> <span class="muted">@{m.username}</span>
            </span>
            <span class={`presence presence-${m.status ?? 'offline'}`} title={m.status ?? 'offline'}>
              {m.status ?? 'offline'}
            </span>
            <a class="icon" href={roomPath('d', m.username)} data-nav aria-label={`Message ${m.username} directly`}>
              <Icon name="at" size={16} />
            </a>
          </li>
        ))}
      </ul>
    </aside>
  );
}
