import { Interruptible, type ResyncSignal } from './catch-up.ts';
import { compare, isAfter, type Position, START } from './cursor.ts';
import type { BusSubscription } from './event-bus.ts';

type Ev = { seq: number; kind: string };

export interface ReplayOptions<E extends Ev> {
  /** Yield what comes after this position (START for everything). */
  after?: Position;
  /** Shorthand for `after: { seq: afterSeq }` (stored events with seq > afterSeq). */
  afterSeq?: number;
  subscribe: () => Promise<BusSubscription<E>>;
  /** Stored events with afterSeq < seq <= untilSeq (no upper bound when omitted), ascending by seq. */
  load: (afterSeq: number, untilSeq?: number) => Promise<E[]>;
  /** Where a live item sits; undefined for a chunk without a cursor (it passes through, as it always did). */
  positionOf?: (e: E) => Position | undefined;
  /** Output chunks still buffered after a position: a resume inside a run of chunks gets them before anything live. */
  bufferedChunks?: (pos: Position) => E[];
  /** Told the newest seq each read of the log found (a hub numbers later chunks after it). */
  observe?: (seq: number) => void;
  /**
   * Ends the stream after a terminal event that is the newest one known (a later stored event,
   * e.g. a retry's, means the workflow runs again: the stream goes on to that run's end).
   */
  isTerminal?: (e: E) => boolean;
  /** The workflow had finished before the subscription began: the stream ends at once if the log has nothing after the position. */
  finished?: boolean;
  /** When it fires, the stored events after the last one yielded are read again (live delivery may have lost some). */
  resync?: ResyncSignal;
  /**
   * The direct path, when the consumer offers one (read before each wait for a live item): once
   * the stream has caught up, each live item that comes next in order goes to this sink
   * synchronously, from the subscription's push, instead of through the iterator. The sink
   * returns false to refuse an item (a slow socket, a result it cannot share): that item and
   * the ones after it then come through the iterator, in order, until it has caught up again.
   */
  direct?: () => DirectSink<E> | undefined;
}

export type DirectSink<E> = (e: E) => boolean;

/** A subscription that can hand items to a direct sink (event-bus.ts BufferedSubscription). */
type DirectCapable<E> = BusSubscription<E> & { setDirect(take: DirectSink<E> | undefined, received: number): boolean };
const canGoDirect = <E>(s: BusSubscription<E>): s is DirectCapable<E> => typeof (s as Partial<DirectCapable<E>>).setDirect === 'function';

/** Live-only kind: never stored, carries the seq of a stored event it follows. */
const LIVE_ONLY = 'task_output';
const stored = (e: Ev): Position => ({ seq: e.seq, n: 0, epoch: '' });

/**
 * Stored events after the position, then live ones, in order with no gap and
 * no duplicate; output chunks between them, each after the stored event its
 * cursor names. Ordering rule: subscribe FIRST, then load, so an event
 * committed during the load is either in the load or buffered live (and then
 * dropped as seen). A live item ahead of the position first pulls the
 * missing stored range (events of one workflow may reach us out of order
 * when several processes publish them). The position only moves forward: a
 * chunk that arrives behind it (numbered before a stored event this stream
 * already read from the log) is dropped; its text is in its task's
 * task_completed output. A SubscriberLaggedError from the bus propagates to
 * the consumer. Each `resync` reads the store after the position again, so
 * events whose publish was lost (Redis down) still come, once and in order.
 */
export function replayThenLive<E extends Ev>(opts: ReplayOptions<E>): AsyncIterableIterator<E> {
  const isTerminal = opts.isTerminal ?? (() => false);
  const positionOf = opts.positionOf ?? ((e: E) => (e.kind === LIVE_ONLY ? undefined : stored(e)));
  let sub: BusSubscription<E> | undefined;
  let closed = false;

  async function* run(): AsyncGenerator<E, void, undefined> {
    sub = await opts.subscribe();
    const source = sub;
    // Without a resync signal nothing interrupts a wait: the subscription's own next() is one promise hop less per event.
    const live: { next(): Promise<IteratorResult<E> | undefined>; interrupt(): void } = opts.resync
      ? new Interruptible(sub)
      : { next: () => source.next(), interrupt: () => undefined };
    // Registered before the first load: a resync during it triggers one more read right after.
    const stopResync = opts.resync?.(() => live.interrupt());
    try {
      if (closed) return;
      let pos: Position = opts.after ?? (opts.afterSeq ? { ...START, seq: opts.afterSeq } : START);
      /** Yields stored events after `pos` and up to `untilSeq` (with buffered chunks on the first read); returns true when the stream must end. */
      async function* fill(untilSeq?: number, withChunks = false): AsyncGenerator<E, boolean, undefined> {
        const loaded = (await opts.load(pos.seq, untilSeq)).filter((e) => e.kind !== LIVE_ONLY && e.seq > pos.seq);
        const newest = loaded.at(-1)?.seq;
        if (newest !== undefined) opts.observe?.(newest);
        const chunks = withChunks ? (opts.bufferedChunks?.(pos) ?? []) : [];
        const items = chunks.length ? merge(loaded, chunks, positionOf) : loaded;
        for (const e of items) {
          if (closed) return true;
          const p = positionOf(e);
          if (!p || !isAfter(p, pos)) continue;
          pos = p;
          yield e;
          if (p.n === 0 && isTerminal(e) && e.seq === newest) return true;
        }
        return closed;
      }

      /**
       * An item taken on the direct path: the same decisions as the loop below, made at once. An
       * item that needs the log first (a gap) or that the sink refuses goes through the loop.
       */
      const take = (sink: DirectSink<E>) => (e: E) => {
        const p = positionOf(e);
        if (!p || closed) return false;
        if (!isAfter(p, pos)) return true;
        if (p.seq > pos.seq + (p.n === 0 ? 1 : 0) || !sink(e)) return false;
        pos = p;
        // Ends the stream after the terminal item: the pending next() below resolves done.
        if (p.n === 0 && isTerminal(e)) source.close('finished');
        return true;
      };

      const caughtUp = pos.seq;
      if (yield* fill(undefined, true)) return;
      if (opts.finished && pos.seq === caughtUp) return;
      /** Live items the loop received (the subscription counts what it handed out: direct only when they agree). */
      let received = 0;
      for (;;) {
        const sink = opts.direct?.();
        const direct = sink !== undefined && canGoDirect(source) && source.setDirect(take(sink), received);
        const r = await live.next();
        if (direct) source.setDirect(undefined, received);
        if (r === undefined) {
          if (yield* fill()) return;
          continue;
        }
        if (r.done) return;
        received++;
        const e = r.value;
        const p = positionOf(e);
        if (!p) {
          // A chunk without a cursor: after the stored events up to its seq, and it moves nothing.
          if (e.seq > pos.seq && (yield* fill(e.seq))) return;
          yield e;
          continue;
        }
        // Ahead of us: the stored events before it were committed before it was published. Loads up
        // to p.seq inclusive, so an exclusive `untilSeq` in the store would lose nothing.
        if (p.seq > pos.seq + (p.n === 0 ? 1 : 0) && (yield* fill(p.seq))) return;
        if (!isAfter(p, pos)) continue;
        // If the store still lacks some of the range, do not stall the stream: move on.
        pos = p;
        yield e;
        if (p.n === 0 && isTerminal(e)) return;
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

/** Stored events and buffered chunks in stream order (a chunk after the stored event its cursor names). */
function merge<E extends Ev>(loaded: E[], chunks: E[], positionOf: (e: E) => Position | undefined): E[] {
  const at = (e: E) => positionOf(e) ?? stored(e);
  return [...loaded, ...chunks].sort((a, b) => compare(at(a), at(b)));
}
