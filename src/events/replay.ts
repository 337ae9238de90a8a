import { Interruptible, type ResyncSignal } from './catch-up.ts';
import type { BusSubscription } from './event-bus.ts';

export interface ReplayOptions<E extends { seq: number; kind: string }> {
  /** Yield stored events with seq > afterSeq (0 for everything). */
  afterSeq: number;
  subscribe: () => Promise<BusSubscription<E>>;
  /** Stored events with afterSeq < seq <= untilSeq (no upper bound when omitted), ascending by seq. */
  load: (afterSeq: number, untilSeq?: number) => Promise<E[]>;
  /** The iterator finishes right after yielding an event for which this is true. */
  isTerminal?: (e: E) => boolean;
  /** When it fires, the stored events after the last one yielded are read again (live delivery may have lost some). */
  resync?: ResyncSignal;
}

/** Live-only kind: never stored, carries the seq of a stored event it follows. */
const LIVE_ONLY = 'task_output';

/**
 * Stored events after `afterSeq`, then live ones, in seq order with no gap and
 * no duplicate. Ordering rule: subscribe FIRST, then load, so an event
 * committed during the load is either in the load or buffered live (and then
 * dropped as seen). A live event ahead of `last + 1` first pulls the missing
 * range from the store (events of one workflow may reach us out of order when
 * several processes publish them). `task_output` always passes through live
 * (after the stored events up to its seq); it is never loaded and never advances `last`. A
 * SubscriberLaggedError from the bus propagates to the consumer. Each `resync`
 * reads the store after `last` again, so events whose publish was lost (Redis
 * down) still come, once and in order, without waiting for a later live one.
 */
export function replayThenLive<E extends { seq: number; kind: string }>(
  opts: ReplayOptions<E>,
): AsyncIterableIterator<E> {
  const isTerminal = opts.isTerminal ?? (() => false);
  let sub: BusSubscription<E> | undefined;
  let closed = false;

  async function* run(): AsyncGenerator<E, void, undefined> {
    sub = await opts.subscribe();
    const live = new Interruptible(sub);
    // Registered before the first load: a resync during it triggers one more read right after.
    const stopResync = opts.resync?.(() => live.interrupt());
    try {
      if (closed) return;
      let last = opts.afterSeq;
      // Yields stored events after `last` and before `beforeSeq`; returns true when the stream must end.
      async function* fill(beforeSeq?: number): AsyncGenerator<E, boolean, undefined> {
        const stored = await opts.load(last, beforeSeq);
        for (const e of stored) {
          if (closed) return true;
          if (e.kind === LIVE_ONLY || e.seq <= last || (beforeSeq !== undefined && e.seq >= beforeSeq)) continue;
          last = e.seq;
          yield e;
          if (isTerminal(e)) return true;
        }
        return closed;
      }

      if (yield* fill()) return;
      for (;;) {
        const r = await live.next();
        if (r === undefined) {
          if (yield* fill()) return;
          continue;
        }
        if (r.done) return;
        const e = r.value;
        if (e.kind === LIVE_ONLY) {
          // Ahead of us: the stored events it follows were committed before it was published.
          if (e.seq > last && (yield* fill(e.seq + 1))) return;
          // Its seq is its task's task_started, which may be behind `last` while other tasks run beside it.
          yield e;
          continue;
        }
        if (e.seq <= last) continue;
        // Loads up to e.seq inclusive, so an exclusive `untilSeq` in the store would lose nothing.
        if (e.seq > last + 1 && (yield* fill(e.seq))) return;
        // If the store still lacks some of the range, do not stall the stream: move on.
        last = e.seq;
        yield e;
        if (isTerminal(e)) return;
      }
    } finally {
      stopResync?.();
      sub.close();
    }
  }

  const gen = run();
  return {
    next: () => gen.next(),
    async return() {
      closed = true;
      // Ends a pending sub.next() at once; the generator then unwinds and closes it for good.
      sub?.close('consumer returned');
      return gen.return(undefined);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
