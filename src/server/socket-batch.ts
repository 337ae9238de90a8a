import type { WebSocket } from 'ws';

/**
 * Socket writes, batched: what graphql-ws sends on a socket is written at the
 * next flush, all of a socket's messages in one corked write. A flush runs at
 * the next `setImmediate`, after the loop's I/O phase (the engine's database
 * and timer callbacks come first), but not sooner than FLUSH_EVERY_MS after
 * the previous one: a write to a socket costs a system call whatever it
 * carries, so under a stream of events each socket gets one write per
 * interval instead of one per event. It flushes in slices of `SLICE` sockets,
 * so a burst to thousands of sockets never holds the loop for long. Messages
 * keep their order per socket.
 */
const FLUSH_EVERY_MS = 10;
const SLICE = 256;
/**
 * Below this many bytes waiting on a socket, a send is reported done at once, so graphql-ws
 * moves on to the subscription's next event and a socket's events share a write; above it,
 * only when written (a slow client then holds its subscriptions back, up to their buffers).
 */
const EAGER_BELOW_BYTES = 256 * 1024;

type Send = (data: string, cb?: (err?: Error) => void) => void;
interface Queued {
  original: Send;
  raw: { cork(): void; uncork(): void } | undefined;
  items: Array<[string, ((err?: Error) => void) | undefined]>;
  /** Characters in `items` (what a direct write may find waiting, see sendDirect). */
  chars: number;
}

const queues = new Map<WebSocket, Queued>();
const batched = new WeakMap<WebSocket, Queued>();
let scheduled = false;
let lastFlush = 0;

function schedule() {
  if (scheduled) return;
  scheduled = true;
  const wait = lastFlush + FLUSH_EVERY_MS - performance.now();
  if (wait > 1) setTimeout(flush, wait);
  else setImmediate(flush);
}

function flush() {
  scheduled = false;
  lastFlush = performance.now();
  let n = 0;
  for (const [socket, q] of queues) {
    queues.delete(socket);
    const items = q.items;
    q.items = [];
    q.chars = 0;
    if (socket.readyState !== socket.OPEN) {
      for (const [, cb] of items) cb?.();
      continue;
    }
    const cork = items.length > 1 ? q.raw : undefined;
    cork?.cork();
    for (const [data, cb] of items) q.original(data, cb);
    cork?.uncork();
    if (++n >= SLICE && queues.size > 0) {
      // The rest of this flush: at the next turn, not after another interval.
      scheduled = true;
      return void setImmediate(flush);
    }
  }
}

/**
 * Wraps `socket.send` so that its messages go out batched; `transform` may
 * rewrite a message first (graphql-ws.ts puts shared payloads in place).
 */
export function batchSends(socket: WebSocket, transform: (data: string) => string = (d) => d): void {
  const original = socket.send.bind(socket) as Send;
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  const q: Queued = { original, raw, items: [], chars: 0 };
  batched.set(socket, q);
  socket.send = ((data: unknown, optsOrCb?: unknown, cb?: unknown) => {
    // Only the string-and-callback form graphql-ws uses is batched; anything else is sent as it was.
    if (typeof data !== 'string' || (optsOrCb !== undefined && typeof optsOrCb !== 'function') || cb !== undefined) {
      return (socket.constructor.prototype.send as (...a: unknown[]) => void).call(socket, data, optsOrCb, cb);
    }
    if (q.items.length === 0) queues.set(socket, q);
    let onSent = optsOrCb as ((err?: Error) => void) | undefined;
    if (onSent && socket.bufferedAmount < EAGER_BELOW_BYTES) {
      const done = onSent;
      onSent = undefined;
      queueMicrotask(() => done());
    }
    const message = transform(data);
    q.items.push([message, onSent]);
    q.chars += message.length;
    schedule();
  }) as WebSocket['send'];
}

/**
 * Queues a message on a batched socket, after what it holds already, with no callback: the direct
 * path's writes. Refused (false) on a socket that is not open or that already holds
 * EAGER_BELOW_BYTES waiting (in ws's buffer and this batch): a slow client's subscriptions then
 * go back to their bounded buffers (SUBSCRIBER_LAGGED when those overflow), so its memory here
 * stays bounded.
 */
export function sendDirect(socket: WebSocket, data: string): boolean {
  const q = batched.get(socket);
  if (!q || socket.readyState !== socket.OPEN || socket.bufferedAmount + q.chars >= EAGER_BELOW_BYTES) return false;
  if (q.items.length === 0) queues.set(socket, q);
  q.items.push([data, undefined]);
  q.chars += data.length;
  schedule();
  return true;
}
