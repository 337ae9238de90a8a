import { BatonError } from '../errors.ts';

/**
 * Topic pub/sub between the parts of Baton (and, with Redis, between processes).
 * Delivery is at-most-once and live-only: whatever must not be lost is in the
 * event log, and readers recover from it with `afterSeq` (see replay.ts).
 */
export interface EventBus {
  /** Fans the payload out to current subscribers; never waits for a slow one. Payloads travel as JSON. */
  publish(topic: string, payload: unknown): Promise<void>;
  /** Starts receiving immediately (resolves once the subscription is active, so nothing published after the promise resolves is missed). */
  subscribe<T = unknown>(topic: string, opts?: { bufferSize?: number }): Promise<BusSubscription<T>>;
  /** Ends every subscription (their iterators return done) and releases connections. */
  close(): Promise<void>;
  /**
   * Only on a bus that can lose messages (Redis): calls `listener` each time the
   * bus is fully back after losing its connection, i.e. every channel is
   * subscribed again, so that from now on nothing published is missed. What was
   * published before may have been lost: readers re-read the event log
   * (catch-up.ts). Returns the function that removes the listener.
   */
  onReconnect?(listener: () => void): () => void;
}

export interface BusSubscription<T> extends AsyncIterableIterator<T> {
  /** Ends the iterator: a pending and every later `next()` resolves done. */
  close(reason?: string): void;
}

export const DEFAULT_BUFFER_SIZE = 1000;

/** Thrown by `next()` of a subscription whose buffer overflowed; the subscription is over. */
export class SubscriberLaggedError extends BatonError {
  declare readonly code: 'SUBSCRIBER_LAGGED';

  constructor(readonly bufferSize: number) {
    super(
      'SUBSCRIBER_LAGGED',
      `subscriber fell behind by more than ${bufferSize} events and was disconnected; ` + 'subscribe again with afterSeq set to the last seq it received to resume',
      { bufferSize },
    );
  }
}

type Waiter<T> = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };
const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * One subscriber's bounded buffer. `push` is O(1) and never waits: when the
 * buffer is full the subscription ends with SubscriberLaggedError, thrown by
 * the pending or next `next()` (buffered items are dropped: the consumer must
 * resume from the event log anyway, and keeping them would only delay that).
 */
export class BufferedSubscription<T> implements BusSubscription<T> {
  private items: T[] = [];
  private head = 0;
  private waiters: Waiter<T>[] = [];
  private state: 'open' | 'lagged' | 'closed' = 'open';
  /** What the pending or next `next()` throws once lagged (SubscriberLaggedError unless `fail` said otherwise). */
  private failure: unknown;
  closeReason: string | undefined;
  /** Items handed to the consumer's side (queued or given to a waiter); items taken by `direct` are not counted. */
  private handedOut = 0;
  private direct: ((item: T) => boolean) | undefined;

  constructor(
    readonly bufferSize: number,
    /** Called once when the subscription ends for any reason (detach from the topic). */
    private readonly onEnd: () => void,
  ) {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new RangeError(`bufferSize is expected to be a positive integer, but got ${bufferSize}`);
    }
  }

  push(item: T): void {
    if (this.state !== 'open') return;
    // Taken directly (nothing is queued, so nothing is overtaken), or refused: then it is queued, and direct ends.
    if (this.direct && this.head === this.items.length) {
      if (this.direct(item)) return;
      this.direct = undefined;
      if (this.state !== 'open') return;
    }
    this.handedOut++;
    const waiter = this.waiters.shift();
    if (waiter) return waiter.resolve({ done: false, value: item });
    if (this.items.length - this.head >= this.bufferSize) return this.fail(new SubscriberLaggedError(this.bufferSize));
    this.items.push(item);
  }

  /**
   * From now on, items go to `take` synchronously instead of the queue, for as long as it returns
   * true (false: that item and every later one are queued as usual). The items queued now go to
   * `take` first, in order (one it refuses stays queued, and direct does not begin). Refused
   * (false) unless the consumer (`received` items so far) has every other item handed out, so
   * none is overtaken: one given to a waiter may still be on its way. `setDirect(undefined)` ends it.
   */
  setDirect(take: ((item: T) => boolean) | undefined, received = 0): boolean {
    if (!take) {
      this.direct = undefined;
      return true;
    }
    if (this.state !== 'open' || received + this.items.length - this.head !== this.handedOut) return false;
    while (this.head < this.items.length) {
      if (!take(this.items[this.head] as T)) return false;
      // Taken directly: the consumer will not receive it.
      this.handedOut--;
      if (this.state !== 'open') return true;
      this.items[this.head++] = undefined as T;
    }
    this.items = [];
    this.head = 0;
    this.direct = take;
    return true;
  }

  /** Ends the subscription with `error`: buffered items are dropped, the pending or next `next()` throws it. */
  fail(error: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'lagged';
    this.direct = undefined;
    this.failure = error;
    this.items = [];
    this.head = 0;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.state = 'closed';
      waiter.reject(error);
      for (const w of this.waiters.splice(0)) w.resolve(DONE);
    }
    this.onEnd();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++] as T;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.state === 'lagged') {
      this.state = 'closed';
      return Promise.reject(this.failure);
    }
    if (this.state === 'closed') return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.close('returned');
    return Promise.resolve(DONE);
  }

  close(reason?: string): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.direct = undefined;
    this.closeReason = reason;
    this.items = [];
    this.head = 0;
    for (const w of this.waiters.splice(0)) w.resolve(DONE);
    if (wasOpen) this.onEnd();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Both buses speak JSON so that embedded mode behaves like production (a Date arrives as a string). */
export function toJson(payload: unknown): string {
  const json = JSON.stringify(payload);
  if (json === undefined) {
    throw new TypeError(`payload is expected to be JSON-serializable, but got ${typeof payload}`);
  }
  return json;
}
