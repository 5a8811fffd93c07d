// The signed-in session: credentials kept in localStorage (never in a
// URL), the user, and the real-time connection that lives as long as the
// session does.

import { signal } from '@preact/signals';
import { Ddp } from '../api/ddp';
import { ApiError, get, post, useCredentials, whenUnauthorized, type Credentials } from '../api/rest';
import type { Me } from '../api/types';

const STORAGE_KEY = 'capsule.session';

/** The signed-in user, or null. */
export const me = signal<Me | null>(null);
/** The live connection of the signed-in user. */
export const ddp = signal<Ddp | null>(null);
/** True until the stored session has been checked. */
export const restoring = signal(true);

/** Whether the signed-in user is an admin. */
export function isAdmin(): boolean {
  return me.value?.roles?.includes('admin') ?? false;
}

function start(credentials: Credentials, user: Me): void {
  useCredentials(credentials);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  ddp.value?.close();
  ddp.value = new Ddp(credentials.authToken, forget);
  me.value = user;
}

/** Drops the session locally (the server already refused it). */
function forget(): void {
  localStorage.removeItem(STORAGE_KEY);
  useCredentials(null);
  ddp.value?.close();
  ddp.value = null;
  me.value = null;
}

whenUnauthorized(forget);

/** Signs in with a username or e-mail and password. */
export async function signIn(user: string, password: string): Promise<void> {
  const answer = await post('login', { user, password });
  start({ userId: answer.data.userId, authToken: answer.data.authToken }, answer.data.me);
}

/** Registers an account and signs in with it. */
export async function register(fields: { username: string; email: string; name: string; pass: string }): Promise<void> {
  await post('users.register', fields);
  await signIn(fields.username, fields.pass);
}

/** Signs out: the server revokes the token, then the session is dropped. */
export async function signOut(): Promise<void> {
  try {
    await post('logout');
  } finally {
    forget();
  }
}

/** Resumes the session stored in this browser, if the server still accepts it. */
export async function restore(): Promise<void> {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (!stored) {
    restoring.value = false;
    return;
  }
  try {
    const credentials = JSON.parse(stored) as Credentials;
    useCredentials(credentials);
    const user = await get<Me & { success: boolean }>('me');
    start(credentials, user);
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) {
      // The server is away (restarting): keep the session and try again.
      window.setTimeout(restore, 1000);
      return;
    }
    forget();
  }
  restoring.value = false;
}
