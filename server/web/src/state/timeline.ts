// One open room's messages: the newest page first, older pages as the
// reader scrolls up, and every change from the room's streams merged by
// message id (so nothing shows twice). After a reconnect it asks the
// server what changed since the newest change it saw (chat.syncMessages),
// so nothing sent while the server was away is lost.
//
// Jumping to the room's first message detaches the timeline from the
// newest: it then holds a stretch of old history and pages towards the
// newest with `<type>.messages` offsets (counted from the newest, and
// moved by every new message that arrives meanwhile) until it meets it.

import { signal } from '@preact/signals';
import { get } from '../api/rest';
import { toMs, type Message } from '../api/types';
import type { Ddp } from '../api/ddp';

const PAGE = 50;

const LISTS = { c: 'channels.messages', p: 'groups.messages', d: 'im.messages' } as const;

/** A room's messages, live. */
export class Timeline {
  /** The room's messages by send time, oldest first. */
  readonly messages = signal<Message[]>([]);
  /** Whether older messages may exist on the server. */
  readonly hasOlder = signal(true);
  /** Whether newer messages than those held exist (after a jump to the first). */
  readonly hasNewer = signal(false);
  readonly loading = signal(false);
  /** Who is typing (usernames). */
  readonly typing = signal<string[]>([]);
  private byId = new Map<string, Message>();
  private lastUpdate = 0;
  private stops: Array<() => void> = [];
  private typingTimers = new Map<string, number>();
  // While detached: how many messages are newer than the newest held.
  private newerCount = 0;

  constructor(
    readonly rid: string,
    private type: 'c' | 'p' | 'd',
    private link: Ddp,
    private myUsername: string,
    private onChange: (message: Message) => void,
  ) {
    this.stops.push(
      link.subscribe('stream-room-messages', [rid, false], ([message]) => this.merge([message], true)),
      link.subscribe('stream-notify-room', [`${rid}/deleteMessage`, false], ([{ _id }]) => this.remove(_id)),
      link.subscribe('stream-notify-room', [`${rid}/user-activity`, false], ([username, activities]) =>
        this.activity(username, activities),
      ),
      link.onReady((reconnected) => {
        if (reconnected) void this.catchUp();
      }),
    );
  }

  /** Loads the newest page (and follows the newest again after a jump). */
  async start(): Promise<void> {
    const answer = await this.link.call('loadHistory', this.rid, null, PAGE);
    if (this.hasNewer.value) this.reset();
    this.hasNewer.value = false;
    this.hasOlder.value = answer.messages.length >= PAGE;
    this.merge(answer.messages, false);
  }

  /** Shows the room's first messages, detached from the newest. */
  async jumpToFirst(): Promise<void> {
    const list = LISTS[this.type];
    const { total } = await get(list, { roomId: this.rid, count: 1 });
    const offset = Math.max(0, total - PAGE);
    const answer = await get(list, { roomId: this.rid, offset, count: PAGE });
    this.reset();
    this.newerCount = offset;
    this.hasNewer.value = offset > 0;
    this.hasOlder.value = false;
    this.merge(answer.messages, false);
  }

  /** Shows the stretch of history that ends with message `id`, detached from the newest. */
  async jumpTo(id: string): Promise<void> {
    const { message } = await get('chat.getMessage', { msgId: id });
    const ts = toMs(message.ts);
    const newer = await this.countNewerThan(ts);
    const answer = await this.link.call('loadHistory', this.rid, { $date: ts + 1 }, PAGE);
    this.reset();
    this.newerCount = newer;
    this.hasNewer.value = newer > 0;
    this.hasOlder.value = answer.messages.length >= PAGE;
    this.merge(answer.messages, false);
    this.merge([message], false);
  }

  // How many messages are newer than `ts`: a binary search over the
  // newest-first listing (about 17 requests of one message in a room of
  // 100,000), so paging back uses the same offsets as `loadNewer`.
  private async countNewerThan(ts: number): Promise<number> {
    const list = LISTS[this.type];
    const at = async (offset: number) => {
      const answer = await get(list, { roomId: this.rid, offset, count: 1 });
      return { total: answer.total as number, ts: answer.messages[0] ? toMs(answer.messages[0].ts) : -Infinity };
    };
    const { total } = await at(0);
    let low = 0;
    let high = total;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if ((await at(middle)).ts > ts) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Loads the page after the newest held, while detached. */
  async loadNewer(): Promise<void> {
    if (this.loading.value || !this.hasNewer.value) return;
    this.loading.value = true;
    try {
      const offset = Math.max(0, this.newerCount - PAGE);
      const answer = await get(LISTS[this.type], { roomId: this.rid, offset, count: this.newerCount - offset });
      this.newerCount = offset;
      this.merge(answer.messages, false);
      this.hasNewer.value = offset > 0;
    } finally {
      this.loading.value = false;
    }
  }

  private reset(): void {
    this.byId.clear();
    this.messages.value = [];
  }

  /** Loads the page before the oldest message held; answers how many came. */
  async loadOlder(): Promise<number> {
    if (this.loading.value || !this.hasOlder.value) return 0;
    this.loading.value = true;
    try {
      const oldest = this.messages.value[0];
      const end = oldest ? { $date: toMs(oldest.ts) } : null;
      const answer = await this.link.call('loadHistory', this.rid, end, PAGE);
      this.hasOlder.value = answer.messages.length >= PAGE;
      this.merge(answer.messages, false);
      return answer.messages.length;
    } finally {
      this.loading.value = false;
    }
  }

  /** Adds a message the user just sent (the stream may bring it first). */
  add(message: Message): void {
    this.merge([message], false);
  }

  /** Adds a private answer only this user sees. */
  addPrivate(message: Message): void {
    this.merge([{ ...message, ephemeral: true }], false);
  }

  /** Stops following the room. */
  close(): void {
    this.stops.forEach((stop) => stop());
    this.typingTimers.forEach((timer) => window.clearTimeout(timer));
  }

  /** Fetches what changed while the connection was down. */
  private async catchUp(): Promise<void> {
    if (!this.lastUpdate) return this.start();
    const since = new Date(this.lastUpdate).toISOString();
    const answer = await get('chat.syncMessages', { roomId: this.rid, lastUpdate: since });
    this.merge(answer.result.updated, true);
    for (const { _id } of answer.result.deleted) this.remove(_id);
  }

  private merge(incoming: Message[], live: boolean): void {
    if (!incoming.length) return;
    let changed = false;
    for (const message of incoming) {
      const known = this.byId.get(message._id);
      if (live && !known && this.hasNewer.value) {
        // A new message beyond the stretch held: it is fetched on the way back.
        this.newerCount += 1;
        continue;
      }
      const updated = toMs(message._updatedAt);
      if (known && toMs(known._updatedAt) > updated) continue;
      this.byId.set(message._id, message);
      this.lastUpdate = Math.max(this.lastUpdate, updated);
      changed = true;
      if (live) this.onChange(message);
      if (live && message.u?.username) this.activity(message.u.username, []);
    }
    if (changed) {
      this.messages.value = [...this.byId.values()].sort((a, b) => toMs(a.ts) - toMs(b.ts));
    }
  }

  private remove(id: string): void {
    if (this.byId.delete(id)) {
      this.messages.value = this.messages.value.filter((m) => m._id !== id);
    }
  }

  private activity(username: string, activities: string[]): void {
    if (username === this.myUsername) return;
    window.clearTimeout(this.typingTimers.get(username));
    const others = this.typing.value.filter((u) => u !== username);
    if (activities.includes('user-typing')) {
      this.typing.value = [...others, username];
      // A client that vanished never says it stopped.
      this.typingTimers.set(username, window.setTimeout(() => this.activity(username, []), 6000));
    } else if (others.length !== this.typing.value.length) {
      this.typing.value = others;
    }
  }
}
