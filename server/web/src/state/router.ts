// Client routes in Rocket.Chat's URL shapes: /home, /channel/<name>,
// /group/<name>, /direct/<id or username>, /directory, /admin/apps. The
// server answers each of them with index.html.

import { signal } from '@preact/signals';

/** The current path (with its query, which may link to a message). */
export const path = signal(location.pathname + location.search);

/** Goes to `to`, adding a history entry. */
export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.value = to;
}

window.addEventListener('popstate', () => {
  path.value = location.pathname + location.search;
});

/** A route, parsed. */
export type Route =
  | { kind: 'home' }
  | { kind: 'room'; type: 'channel' | 'group' | 'direct'; key: string; thread?: string; message?: string }
  | { kind: 'directory' }
  | { kind: 'admin'; section: string }
  | { kind: 'unknown' };

/** Reads a path into a route. */
export function parse(at: string): Route {
  const parts = at.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  const [head, key, sub, tmid] = parts;
  if (!head || head === 'home') return { kind: 'home' };
  if ((head === 'channel' || head === 'group' || head === 'direct') && key) {
    // `?msg=<id>` links to a message, as Rocket.Chat's permalinks do.
    const message = new URLSearchParams(at.split('?')[1] ?? '').get('msg') ?? undefined;
    return { kind: 'room', type: head, key, thread: sub === 'thread' ? tmid : undefined, message };
  }
  if (head === 'directory') return { kind: 'directory' };
  if (head === 'admin') return { kind: 'admin', section: key ?? 'apps' };
  return { kind: 'unknown' };
}

/** The path of a room. */
export function roomPath(type: 'c' | 'p' | 'd', name: string): string {
  const head = type === 'c' ? 'channel' : type === 'p' ? 'group' : 'direct';
  return `/${head}/${encodeURIComponent(name)}`;
}
