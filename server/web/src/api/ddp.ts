// The real-time client: Rocket.Chat's DDP over a WebSocket at /websocket.
// It signs in with the resume token, keeps its subscriptions across
// reconnects (backing off while the server is away) and tells its
// listeners when a new connection is ready, so they can fetch what they
// missed while it was down.

import { signal } from '@preact/signals';
import { ApiError } from './rest';

/** Where the connection stands, for the UI. */
export type LinkState = 'connecting' | 'online' | 'offline';

type Pending = { resolve: (value: any) => void; reject: (error: ApiError) => void };
type Listener = (args: any[]) => void;

interface Subscription {
  id: string;
  name: string;
  params: unknown[];
  listener: Listener;
}

/** A DDP connection that survives server restarts. */
export class Ddp {
  readonly state = signal<LinkState>('connecting');
  private socket: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private subs = new Map<string, Subscription>();
  private ready = false;
  private waiting: Array<() => void> = [];
  private readyListeners = new Set<(reconnected: boolean) => void>();
  private backoff = 250;
  private closed = false;
  private everReady = false;
  private keepalive: number | undefined;

  constructor(
    private token: string,
    private onRevoked: () => void,
  ) {
    this.open();
  }

  /** Calls `handler` each time a connection is signed in and subscribed. */
  onReady(handler: (reconnected: boolean) => void): () => void {
    this.readyListeners.add(handler);
    if (this.ready) handler(false);
    return () => this.readyListeners.delete(handler);
  }

  /** Calls a method once the connection is signed in. */
  call<T = any>(method: string, ...params: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const send = () => {
        const id = String(this.nextId++);
        this.pending.set(id, { resolve, reject });
        this.send({ msg: 'method', method, id, params });
      };
      if (this.ready) send();
      else this.waiting.push(send);
    });
  }

  /** Subscribes to a stream; the subscription is renewed on reconnect. */
  subscribe(name: string, params: unknown[], listener: Listener): () => void {
    const id = `s${this.nextId++}`;
    const sub = { id, name, params, listener };
    this.subs.set(id, sub);
    if (this.ready) this.send({ msg: 'sub', id, name, params });
    return () => {
      if (this.subs.delete(id) && this.ready) this.send({ msg: 'unsub', id });
    };
  }

  /** Ends the connection for good (sign-out). */
  close(): void {
    this.closed = true;
    window.clearInterval(this.keepalive);
    this.socket?.close();
    this.state.value = 'offline';
  }

  private open(): void {
    if (this.closed) return;
    this.state.value = 'connecting';
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/websocket`);
    this.socket = socket;
    socket.onopen = () => this.send({ msg: 'connect', version: '1', support: ['1'] });
    socket.onmessage = (event) => this.receive(JSON.parse(String(event.data)));
    socket.onclose = () => this.lost(socket);
  }

  private lost(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.ready = false;
    window.clearInterval(this.keepalive);
    for (const [, pending] of this.pending) {
      pending.reject(new ApiError('The connection to the server was lost; try again.', 0, 'network'));
    }
    this.pending.clear();
    if (this.closed) return;
    this.state.value = 'offline';
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 4000);
    window.setTimeout(() => this.open(), delay);
  }

  private send(frame: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private receive(frame: any): void {
    switch (frame.msg) {
      case 'connected':
        this.signIn();
        break;
      case 'ping':
        this.send({ msg: 'pong', ...(frame.id ? { id: frame.id } : {}) });
        break;
      case 'result': {
        const pending = this.pending.get(frame.id);
        if (!pending) break;
        this.pending.delete(frame.id);
        if (frame.error) pending.reject(meteorError(frame.error));
        else pending.resolve(frame.result);
        break;
      }
      case 'changed': {
        const eventName = frame.fields?.eventName;
        for (const sub of this.subs.values()) {
          if (sub.name === frame.collection && sub.params[0] === eventName) {
            sub.listener(frame.fields.args ?? []);
          }
        }
        break;
      }
      case 'nosub':
        this.subs.delete(frame.id);
        break;
    }
  }

  private signIn(): void {
    const id = String(this.nextId++);
    this.pending.set(id, {
      resolve: () => this.signedIn(),
      reject: (error) => {
        if (error.status === 403 || error.errorType === '403') {
          this.close();
          this.onRevoked();
        } else {
          this.socket?.close();
        }
      },
    });
    this.send({ msg: 'method', method: 'login', id, params: [{ resume: this.token }] });
  }

  private signedIn(): void {
    this.ready = true;
    this.backoff = 250;
    this.state.value = 'online';
    for (const sub of this.subs.values()) {
      this.send({ msg: 'sub', id: sub.id, name: sub.name, params: sub.params });
    }
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((send) => send());
    const reconnected = this.everReady;
    this.everReady = true;
    this.readyListeners.forEach((handler) => handler(reconnected));
    window.clearInterval(this.keepalive);
    this.keepalive = window.setInterval(() => this.send({ msg: 'ping' }), 25_000);
  }
}

function meteorError(error: any): ApiError {
  const type = String(error?.error ?? 'error');
  const text = String(error?.reason ?? error?.message ?? 'The server refused').replace(/\s*\[[a-z0-9-]+\]\s*$/i, '');
  const status = /^\d+$/.test(type) ? Number(type) : 400;
  return new ApiError(text, status, type, error?.details);
}
