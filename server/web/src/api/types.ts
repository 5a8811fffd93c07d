// The shapes of Rocket.Chat's records as Capsule sends them. Dates come as
// ISO strings over REST and as EJSON `{"$date": ms}` over DDP: `toMs`
// reads both.

export type RoomType = 'c' | 'p' | 'd';

export interface UserRef {
  _id: string;
  username: string;
  name?: string;
}

export interface Me extends UserRef {
  roles: string[];
  status?: string;
}

export type When = string | { $date: number } | number;

export interface Reaction {
  usernames: string[];
}

export interface ButtonAction {
  type: 'button';
  text: string;
  action_id: string;
  value?: string;
}

export interface Attachment {
  text?: string;
  title?: string;
  color?: string;
  actions?: ButtonAction[];
}

export interface Message {
  _id: string;
  rid: string;
  msg: string;
  ts: When;
  u: UserRef;
  _updatedAt: When;
  t?: string;
  editedAt?: When;
  tmid?: string;
  tshow?: boolean;
  tcount?: number;
  tlm?: When;
  reactions?: Record<string, Reaction>;
  mentions?: Array<{ _id: string; username: string }>;
  attachments?: Attachment[];
  alias?: string;
  appId?: string;
  /** Set on an answer only this user sees (never stored). */
  ephemeral?: boolean;
}

export interface Subscription {
  _id: string;
  rid: string;
  name: string;
  fname?: string;
  t: RoomType;
  open: boolean;
  alert: boolean;
  unread: number;
  userMentions: number;
  groupMentions?: number;
  ls?: When;
  _updatedAt: When;
}

export interface Room {
  _id: string;
  t: RoomType;
  name?: string;
  fname?: string;
  topic?: string;
  description?: string;
  usersCount?: number;
  ro?: boolean;
  usernames?: string[];
}

/** Milliseconds since the epoch of a REST or DDP date. */
export function toMs(when: When | undefined): number {
  if (when === undefined || when === null) return 0;
  if (typeof when === 'number') return when;
  if (typeof when === 'string') return Date.parse(when);
  return when.$date;
}
