// The REST v1 client: every call carries the session's X-Auth-Token and
// X-User-Id headers (never a token in a URL) and turns Rocket.Chat's
// error bodies into `ApiError`s a person can read.

/** The credentials of a signed-in session. */
export interface Credentials {
  userId: string;
  authToken: string;
}

/** A refused or failed call, with the server's own words. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorType: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let credentials: Credentials | null = null;
let onUnauthorized: () => void = () => {};

/** Sets (or clears) the credentials sent with every call. */
export function useCredentials(next: Credentials | null): void {
  credentials = next;
}

/** Called when the server no longer accepts the session's token. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

type Query = Record<string, string | number | boolean | undefined>;

/** The message of an error answer, without the `[errorType]` tail. */
export function readableError(body: any, status: number): ApiError {
  const type = String(body?.errorType ?? body?.error ?? `http-${status}`);
  let text = String(body?.error ?? body?.message ?? body?.reason ?? `The server answered ${status}`);
  text = text.replace(/\s*\[[a-z0-9-]+\]\s*$/i, '');
  if (status === 429) {
    text = `${text} (too many requests: wait a moment and try again)`;
  }
  return new ApiError(text, status, type, body?.details);
}

/** Calls `path` under `/api/` and answers the JSON body of a success. */
export async function call<T = any>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { query?: Query; body?: unknown; form?: FormData } = {},
): Promise<T> {
  let url = `/api/${path}`;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  const headers: Record<string, string> = {};
  if (credentials) {
    headers['X-Auth-Token'] = credentials.authToken;
    headers['X-User-Id'] = credentials.userId;
  }
  let body: BodyInit | undefined;
  if (options.form) {
    body = options.form;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'omit' });
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection.', 0, 'network');
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok || answer?.success === false) {
    const error = readableError(answer, response.status);
    if (response.status === 401 && credentials) onUnauthorized();
    throw error;
  }
  return answer as T;
}

/** GET `/api/v1/<path>`. */
export const get = <T = any>(path: string, query?: Query) => call<T>('GET', `v1/${path}`, { query });

/** POST JSON to `/api/v1/<path>`. */
export const post = <T = any>(path: string, body: unknown = {}) => call<T>('POST', `v1/${path}`, { body });
