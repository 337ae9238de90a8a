/**
 * Async-iterator plumbing for subscriptions. These are plain iterator objects,
 * not async generators, on purpose: a generator's return() waits behind a
 * pending next(), so a client that unsubscribes from a quiet stream would keep
 * its bus subscription until the next event. Here return() acts at once.
 */

/**
 * Set on a subscription's event stream that can deliver directly: a
 * transport that can write an item itself (graphql-ws, through
 * server/shared-execution.ts) calls it with its sink, and once the stream has
 * caught up, items go to the sink instead of through the iterator (see
 * events/replay.ts `direct`). The iterator then only ends the stream.
 */
export const DIRECT = Symbol.for('baton.directDelivery');
export type OfferDirect = (sink: (item: unknown) => boolean) => void;

/** The stream's DIRECT function, if it has one. */
export function directOf(stream: object): OfferDirect | undefined {
  const offer = (stream as { [DIRECT]?: unknown })[DIRECT];
  return typeof offer === 'function' ? (offer as OfferDirect) : undefined;
}

/** An error raised by the source, delivered as an item so the resolver can turn it into a GraphQL error. */
export class StreamFailure {
  constructor(readonly error: unknown) {}
}

const DONE = { done: true as const, value: undefined };

/**
 * Items of `source` mapped through `map`; an item mapped to undefined is
 * skipped. An error from the source ends the stream with one StreamFailure
 * item, so the client gets a typed error (e.g. SUBSCRIBER_LAGGED) in a
 * result, the same over graphql-ws and SSE, rather than a transport error.
 */
export function mapStream<T, U>(
  source: AsyncIterator<T>,
  map: (item: T) => U | undefined | Promise<U | undefined>,
  /** Ends the stream (the client sees it complete), e.g. when the server shuts down. */
  until?: AbortSignal,
): AsyncIterableIterator<U | StreamFailure> {
  let ended = false;
  const end = async () => {
    if (ended) return DONE;
    ended = true;
    until?.removeEventListener('abort', onAbort);
    // Resolves a pending source.next() as done, so a waiting next() below returns at once.
    await source.return?.();
    return DONE;
  };
  const onAbort = () => void end().catch(() => undefined);
  if (until?.aborted) void end();
  else until?.addEventListener('abort', onAbort, { once: true });
  // After a failure item, the next call finds `ended` and reports done.
  return {
    async next(): Promise<IteratorResult<U | StreamFailure>> {
      while (!ended) {
        let value: U | undefined;
        try {
          const r = await source.next();
          if (r.done) return await end();
          value = await map(r.value);
        } catch (error) {
          await end().catch(() => undefined);
          return { done: false, value: new StreamFailure(error) };
        }
        if (value !== undefined) return { done: false, value };
      }
      return DONE;
    },
    return: end,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** For a subscription's resolve: rethrows a StreamFailure, passes anything else through. */
export function unwrap<U>(item: U | StreamFailure): U {
  if (item instanceof StreamFailure) throw item.error;
  return item;
}
