import { useState } from 'preact/hooks';
import type { Subscription } from '../api/types';
import { label, roomList } from '../state/rooms';
import { navigate, roomPath, type Route } from '../state/router';
import { isAdmin, me, signOut } from '../state/session';
import { attempt } from '../state/notice';
import { CreateRoom } from './CreateRoom';
import { Icon } from './Icon';

/** The room list: channels, private groups and direct messages, with unread counts. */
export function Sidebar({ route }: { route: Route }) {
  const [creating, setCreating] = useState(false);
  const [filter, setFilter] = useState('');
  const list = roomList.value;
  const current = route.kind === 'room' ? route.key : null;
  const match = (s: Subscription) => !filter || label(s).toLowerCase().includes(filter.toLowerCase());

  function onKey(event: KeyboardEvent) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const links = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('.room-link')];
    const at = links.indexOf(document.activeElement as HTMLElement);
    const next = links[at + (event.key === 'ArrowDown' ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  }

  return (
    <nav class="sidebar" aria-label="Rooms">
      <header class="sidebar-head">
        <span class="me" title={me.value?.username}>
          <span class="avatar" aria-hidden="true">{initial(me.value?.username)}</span>
          <span class="me-name">{me.value?.username}</span>
        </span>
        <button class="icon" onClick={() => setCreating(true)} aria-label="Create a room" title="Create a room">
          <Icon name="plus" />
        </button>
        <a class="icon" href="/directory" data-nav aria-label="Directory" title="Directory">
          <Icon name="search" />
        </a>
        {isAdmin() && (
          <a class="icon" href="/admin/apps" data-nav aria-label="Administration" title="Administration">
            <Icon name="settings" />
          </a>
        )}
        <button class="icon" onClick={() => attempt(signOut)} aria-label="Sign out" title="Sign out">
          <Icon name="logout" />
        </button>
      </header>
      <input
        class="room-filter"
        type="search"
        placeholder="Find a room (Ctrl+K)"
        aria-label="Find a room"
        value={filter}
        onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          const first = (e.currentTarget.parentElement as HTMLElement).querySelector<HTMLElement>('.room-link');
          if (e.key === 'ArrowDown' && first) {
            e.preventDefault();
            first.focus();
          } else if (e.key === 'Enter' && first) {
            e.preventDefault();
            setFilter('');
            first.click();
          }
        }}
      />
      <div class="room-groups" onKeyDown={onKey}>
        <Group title="Channels" items={list.channels.filter(match)} current={current} />
        <Group title="Private groups" items={list.groups.filter(match)} current={current} />
        <Group title="Direct messages" items={list.directs.filter(match)} current={current} />
      </div>
      {creating && <CreateRoom onClose={() => setCreating(false)} />}
    </nav>
  );
}

function Group({ title, items, current }: { title: string; items: Subscription[]; current: string | null }) {
  if (!items.length) return null;
  return (
    <section class="room-group">
      <h2>{title}</h2>
      <ul>
        {items.map((s) => {
          const active = current === s.name || current === s.rid;
          const unread = s.unread > 0 && !active;
          const mentions = (s.userMentions ?? 0) + (s.groupMentions ?? 0);
          const words = [label(s), unread ? `${s.unread} unread` : '', mentions && !active ? `${mentions} mentions` : '']
            .filter(Boolean)
            .join(', ');
          return (
            <li key={s.rid}>
              <a
                class={`room-link ${active ? 'active' : ''} ${unread || (s.alert && !active) ? 'unread' : ''}`}
                href={roomPath(s.t, s.name)}
                data-nav
                aria-current={active ? 'page' : undefined}
                aria-label={words}
                data-room={s.name}
              >
                <span class="room-icon" aria-hidden="true"><Icon name={s.t === 'c' ? 'hash' : s.t === 'p' ? 'lock' : 'at'} size={15} /></span>
                <span class="room-name">{label(s)}</span>
                {mentions > 0 && !active && <span class="badge badge-mention" aria-hidden="true">@{mentions}</span>}
                {unread && <span class="badge" aria-hidden="true" data-unread={s.unread}>{s.unread}</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The first letter of a name, for an avatar. */
export function initial(name: string | undefined): string {
  return (name ?? '?').charAt(0).toUpperCase();
}

// Internal links move within the client without reloading.
document.addEventListener('click', (event) => {
  const anchor = (event.target as HTMLElement).closest?.('a[href]') as HTMLAnchorElement | null;
  if (!anchor || anchor.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
