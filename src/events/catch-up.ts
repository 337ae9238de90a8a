import { BatonError } from '../errors.ts';
import type { BusSubscription, EventBus } from './event-bus.ts';

/**
 * Registers a listener to be called whenever live delivery may have missed
 * something, so a reader re-reads the event log; returns the function that
 * unregisters it.
 */
export type ResyncSignal = (listener: () => void) => () => void;

/**
 * When a reader of `bus` must re-read the event log: each time the bus is back
 * after losing its connection, and every `everyMs` (0: never) in case a loss
 * went unnoticed here (another process's publish failed while this one's
 * connection stayed up, or that process died before its events went out).
 * Undefined for a bus that never loses a message (the memory bus).
 */
export function resyncSignal(bus: EventBus, everyMs: number): ResyncSignal | undefined {
  const onReconnect = bus.onReconnect?.bind(bus);
  if (!onReconnect) return undefined;
  return (listener) => {
    const off = onReconnect(listener);
    // One timer per reader: they started at different times, so their reads are spread out.
    const timer = everyMs > 0 ? setInterval(listener, everyMs).unref() : undefined;
    return () => {
      off();
      clearInterval(timer);
    };
  };
}

/** A stream ended because the bus lost messages it cannot recover; the client re-reads and subscribes again. */
export class EventsInterruptedError extends BatonError {
  declare readonly code: 'EVENTS_INTERRUPTED';

  constructor(what: string) {
    super('EVENTS_INTERRUPTED', `the connection to the event bus was lost, so ${what} may have been missed; read the current state again and subscribe again`);
  }
}

type Settled<T> = { ok: IteratorResult<T> } | { err: unknown };

/**
 * A subscription's `next()` that an interrupt can cut short without losing
 * the item it was waiting for: that item comes with a later call. (Racing a
 * fresh promise against the same pending next() at every interrupt would pile
 * reactions onto it for as long as the stream stays quiet.)
 */
export class Interruptible<T> {
  private pending = false;
  private settled: Settled<T> | undefined;
  private interrupted = false;
  private wake: (() => void) | undefined;

  constructor(private readonly sub: BusSubscription<T>) {}

  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }

  /** The next item, or undefined when interrupted first (at most once per interrupt). Items take precedence. */
  async next(): Promise<IteratorResult<T> | undefined> {
    if (!this.pending) {
      this.pending = true;
      this.sub.next().then(
        (ok) => this.settle({ ok }),
        (err: unknown) => this.settle({ err }),
      );
    }
    if (!this.settled && !this.interrupted) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    const s = this.settled;
    if (!s) {
      this.interrupted = false;
      return undefined;
    }
    this.settled = undefined;
    this.pending = false;
    if ('err' in s) throw s.err;
    return s.ok;
  }

  private settle(s: Settled<T>) {
    this.settled = s;
    this.wake?.();
  }
}

/**
 * `sub`, ended with EventsInterruptedError when the bus reconnects: for a
 * stream with no log to catch up from (workflowUpdated), telling the client
 * beats a silent gap. Without a signal (memory bus) it is `sub` itself.
 */
export function interruptOnReconnect<T>(sub: BusSubscription<T>, bus: EventBus, what: string): BusSubscription<T> {
  if (!bus.onReconnect) return sub;
  const live = new Interruptible(sub);
  const off = bus.onReconnect(() => live.interrupt());
  let failed = false;
  const close = (reason?: string) => {
    off();
    sub.close(reason);
  };
  return {
    async next() {
      if (failed) return { done: true, value: undefined };
      const r = await live.next().catch((err: unknown) => {
        close();
        throw err;
      });
      if (r && !r.done) return r;
      close(r ? undefined : 'interrupted');
      if (r) return r;
      failed = true;
      throw new EventsInterruptedError(what);
    },
    async return() {
      close('returned');
      return { done: true, value: undefined };
    },
    close,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
