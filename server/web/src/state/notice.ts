// The one line that tells a person what went wrong (or right), read out
// by screen readers.

import { signal } from '@preact/signals';
import { ApiError } from '../api/rest';

export interface Notice {
  text: string;
  kind: 'error' | 'info';
}

/** The notice on screen, if any. */
export const notice = signal<Notice | null>(null);
let timer: number | undefined;

/** Shows `text` for a few seconds. */
export function tell(text: string, kind: Notice['kind'] = 'info'): void {
  notice.value = { text, kind };
  window.clearTimeout(timer);
  timer = window.setTimeout(() => (notice.value = null), kind === 'error' ? 8000 : 4000);
}

/** Shows why an action failed, in the server's words. */
export function fail(error: unknown): void {
  tell(error instanceof ApiError ? error.message : String(error), 'error');
}

/** Runs `action`, showing its failure. */
export async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    fail(error);
    return undefined;
  }
}
