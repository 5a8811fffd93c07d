// The signed-in user's rooms: memberships (with unread counts and
// mentions) and the rooms behind them, kept live from the user's
// `subscriptions-changed` stream and reloaded after every reconnect.

import { computed, effect, signal } from '@preact/signals';
import { get } from '../api/rest';
import { toMs, type Message, type Room, type Subscription } from '../api/types';
import type { Ddp } from '../api/ddp';
import { ddp, me } from './session';

/** Memberships by room id. */
export const subscriptions = signal<Map<string, Subscription>>(new Map());
/** Rooms by id, for topics and member counts. */
export const rooms = signal<Map<string, Room>>(new Map());
/** The latest private answer (an app's, a slash command's) the user received. */
export const privateAnswers = signal<Message | null>(null);

/** The memberships shown in the room list, grouped and sorted. */
export const roomList = computed(() => {
  const all = [...subscriptions.value.values()].filter((s) => s.open !== false);
  const byName = (a: Subscription, b: Subscription) => label(a).localeCompare(label(b));
  return {
    channels: all.filter((s) => s.t === 'c').sort(byName),
    groups: all.filter((s) => s.t === 'p').sort(byName),
    directs: all.filter((s) => s.t === 'd').sort(byName),
  };
});

/** The name a membership is shown by. */
export function label(s: Subscription): string {
  return s.fname || s.name;
}

function put(subscription: Subscription): void {
  const next = new Map(subscriptions.value);
  next.set(subscription.rid, subscription);
  subscriptions.value = next;
}

function drop(rid: string): void {
  const next = new Map(subscriptions.value);
  next.delete(rid);
  subscriptions.value = next;
}

/** Loads the memberships and rooms from the REST API. */
export async function reloadRooms(): Promise<void> {
  const [subs, all] = await Promise.all([get('subscriptions.get'), get('rooms.get')]);
  subscriptions.value = new Map((subs.update as Subscription[]).map((s) => [s.rid, s]));
  rooms.value = new Map((all.update as Room[]).map((r) => [r._id, r]));
}

/** Refreshes one room (after its topic changed, or on joining it). */
export async function refreshRoom(rid: string): Promise<Room> {
  const answer = await get('rooms.info', { roomId: rid });
  const next = new Map(rooms.value);
  next.set(rid, answer.room);
  rooms.value = next;
  return answer.room;
}

/** Follows the user's streams for as long as the connection lives. */
export function followRooms(): () => void {
  const link = ddp.value;
  const uid = me.value?._id;
  if (!link || !uid) return () => {};
  const counts = new UnreadCounts(link, uid);
  const stops = [
    link.subscribe('stream-notify-user', [`${uid}/subscriptions-changed`, false], ([kind, sub]) => {
      if (kind === 'removed') drop(sub.rid);
      else {
        put(sub);
        if (!rooms.value.has(sub.rid)) void refreshRoom(sub.rid).catch(() => {});
      }
    }),
    link.subscribe('stream-notify-user', [`${uid}/message`, false], ([message]) => {
      privateAnswers.value = { ...message, ephemeral: true };
    }),
    link.onReady(() => void reloadRooms().catch(() => {})),
    effect(() => counts.follow([...subscriptions.value.keys()])),
  ];
  return () => {
    stops.forEach((stop) => stop());
    counts.close();
  };
}

// Capsule works unread and mention counts out when memberships are read,
// so a new message changes no membership and `subscriptions-changed` does
// not fire for it. The client follows each of its rooms' message streams
// and, when someone else writes, reads again the memberships of rooms
// with messages since then (`subscriptions/get` with `since`).
class UnreadCounts {
  private streams = new Map<string, () => void>();
  private since = Infinity;
  private timer: number | undefined;

  constructor(
    private link: Ddp,
    private uid: string,
  ) {}

  follow(rids: string[]): void {
    const wanted = new Set(rids);
    for (const [rid, stop] of this.streams) {
      if (!wanted.has(rid)) {
        stop();
        this.streams.delete(rid);
      }
    }
    for (const rid of wanted) {
      if (this.streams.has(rid)) continue;
      this.streams.set(
        rid,
        this.link.subscribe('stream-room-messages', [rid, false], ([message]: Message[]) => {
          if (message.u?._id !== this.uid && !message.editedAt) this.changed(toMs(message.ts));
        }),
      );
    }
  }

  private changed(at: number): void {
    this.since = Math.min(this.since, at - 1);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      const since = this.since;
      this.since = Infinity;
      this.link
        .call('subscriptions/get', { $date: since })
        .then((answer: { update: Subscription[] }) => answer.update.forEach(put))
        .catch(() => {});
    }, 100);
  }

  close(): void {
    window.clearTimeout(this.timer);
    this.streams.forEach((stop) => stop());
  }
}

/** Finds the membership a route names (by name, or by id for directs). */
export function findByRoute(type: 'channel' | 'group' | 'direct', key: string): Subscription | undefined {
  const t = type === 'channel' ? 'c' : type === 'group' ? 'p' : 'd';
  for (const s of subscriptions.value.values()) {
    if (s.t === t && (s.name === key || s.rid === key || s.fname === key)) return s;
  }
  return undefined;
}
