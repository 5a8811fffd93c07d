// What each capability an app asks for lets it do, in plain words
// (from docs/admin-guide.md).

/** A permission in the manifest's shape. */
export interface Permission {
  name: string;
  hosts?: string[] | null;
  rooms?: string[] | null;
}

const WORDS: Record<string, string> = {
  'message-read': 'Read messages',
  'message-write': 'Post messages as its bot, and edit its own messages',
  'room-read': 'Read rooms and who is in them',
  'user-read': 'Read user profiles (never passwords or tokens)',
  kv: 'Keep its own data on this server',
  settings: 'Read its own settings, including secrets you enter',
  'http-outbound': 'Send requests over the internet',
  scheduler: 'Schedule jobs that run later',
  logging: 'Write to its log, which you can read',
};

/** A sentence saying what `permission` allows. */
export function explain(permission: Permission): string {
  let text = WORDS[permission.name] ?? `Use “${permission.name}”`;
  if (permission.hosts?.length) text += `, only to ${permission.hosts.join(', ')}`;
  if (permission.rooms?.length) text += `, only in ${permission.rooms.join(', ')}`;
  else if (['message-read', 'message-write', 'room-read'].includes(permission.name)) text += ', in every room';
  return text;
}

/** A stable key of a permission, to compare grants. */
export function permissionKey(p: Permission): string {
  return `${p.name}|${(p.hosts ?? []).join(',')}|${(p.rooms ?? []).join(',')}`;
}
