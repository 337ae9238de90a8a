import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { BufferedSubscription, DEFAULT_BUFFER_SIZE, toJson, type BusSubscription, type EventBus } from './event-bus.ts';

/** pino-compatible subset. Only connection state changes are logged, never the URL (it may hold a password). */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisBusOptions {
  url: string;
  /** Prepended to every topic, e.g. `baton:` in production or `baton-test-<uuid>:` in a test run. */
  prefix: string;
  /** Upper bound on one publish, queued or in flight (default 2000). */
  publishTimeoutMs?: number;
  /** Reconnect delay grows exponentially from 50 ms up to this cap (default 2000) and never gives up. */
  maxRetryDelayMs?: number;
  logger?: BusLogger;
}

/** publish or subscribe could not reach Redis; live delivery is best-effort, the event log is the truth. */
export class EventBusUnavailableError extends Error {
  readonly code = 'EVENT_BUS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventBusUnavailableError';
  }
}

interface TopicEntry {
  subs: Set<BufferedSubscription<unknown>>;
  /** The RedisPubSub subscription id; resolves once Redis acknowledged SUBSCRIBE. */
  subId: Promise<number>;
}

const consoleLogger: BusLogger = {
  info: (obj, msg) => console.info(`[event-bus] ${msg}`, obj),
  warn: (obj, msg) => console.warn(`[event-bus] ${msg}`, obj),
};
const noop = () => {};

/**
 * Redis pub/sub over graphql-redis-subscriptions. One Redis channel
 * subscription per topic is shared by all local subscribers of that topic and
 * fanned out into their own bounded buffers, as in the memory bus.
 *
 * Once connected, `publish` rejects with EventBusUnavailableError at once
 * whenever the publisher connection is not ready (an outage must not slow the
 * engine down: every event is committed before it is published), and never
 * later than `publishTimeoutMs` otherwise. The offline queue only serves the
 * first connect (ioredis `maxRetriesPerRequest: 0` flushes it at every failed
 * attempt). Events published in an outage are not delivered live; readers
 * recover them from the event log when `onReconnect` fires (catch-up.ts). Both
 * connections reconnect forever and re-subscribe their channels (ioredis
 * autoResubscribe).
 */
export function createRedisBus(opts: RedisBusOptions): EventBus {
  const { url, prefix, publishTimeoutMs = 2000, maxRetryDelayMs = 2000, logger = consoleLogger } = opts;
  const connect = (role: 'publisher' | 'subscriber') => {
    const client = new Redis(url, {
      connectionName: `baton-events-${role}`,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxRetryDelayMs),
      maxRetriesPerRequest: 0,
      commandTimeout: role === 'publisher' ? publishTimeoutMs : undefined,
      autoResubscribe: true,
      // Closing while Redis is down waits this long on a socket that never opened (ioredis default 2 s).
      disconnectTimeout: 500,
    });
    return client;
  };
  const publisher = connect('publisher');
  const subscriber = connect('subscriber');
  const reconnectListeners = new Set<() => void>();
  // The bus is back when both connections are, whichever recovers last: readers then re-read the log
  // once, and whatever they missed can also be published again.
  let resubscribed = true;
  const notifyReconnect = () => {
    if (!resubscribed || publisher.status !== 'ready') return;
    for (const listener of [...reconnectListeners]) listener();
  };
  const publisherState = watchConnection(publisher, 'publisher', logger, notifyReconnect);
  const subscriberState = watchConnection(subscriber, 'subscriber', logger, () => {
    // PING is answered only after the SUBSCRIBEs that ioredis re-sent on 'ready': from then on nothing published is missed.
    subscriber.ping().then(() => {
      resubscribed = true;
      notifyReconnect();
    }, noop);
  });
  subscriber.on('reconnecting', () => void (resubscribed = false));
  guardUnsubscribe(subscriber);
  const pubsub = new RedisPubSub({ publisher, subscriber, serializer: (json: string) => json });
  const topics = new Map<string, TopicEntry>();
  let closed = false;

  const leave = (topic: string, entry: TopicEntry, sub: BufferedSubscription<unknown>) => {
    entry.subs.delete(sub);
    if (entry.subs.size > 0 || topics.get(topic) !== entry) return;
    topics.delete(topic);
    if (closed) return; // the connection is about to go; UNSUBSCRIBE would only race QUIT
    entry.subId.then((id) => {
      try {
        pubsub.unsubscribe(id);
      } catch {
        // already gone: nothing to release
      }
    }, noop);
  };

  const join = (topic: string): TopicEntry => {
    const existing = topics.get(topic);
    if (existing) return existing;
    const subs = new Set<BufferedSubscription<unknown>>();
    const deliver = (message: unknown) => {
      for (const sub of [...subs]) sub.push(message);
    };
    const entry: TopicEntry = { subs, subId: pubsub.subscribe(prefix + topic, deliver) };
    markPendingHandled(pubsub, prefix + topic);
    topics.set(topic, entry);
    entry.subId.catch(() => {
      if (topics.get(topic) === entry) topics.delete(topic);
    });
    return entry;
  };

  return {
    async publish(topic, payload) {
      const json = toJson(payload);
      if (closed) throw new EventBusUnavailableError(`cannot publish to ${topic}: the event bus is closed`);
      if (publisherState.outage()) throw new EventBusUnavailableError(`cannot publish to ${topic}: the connection to Redis is down`);
      try {
        await pubsub.publish(prefix + topic, json);
      } catch (err) {
        throw new EventBusUnavailableError(`publish to ${topic} failed: ${(err as Error).message}`, { cause: err });
      }
    },

    async subscribe<T>(topic: string, o: { bufferSize?: number } = {}): Promise<BusSubscription<T>> {
      if (closed) throw new EventBusUnavailableError(`cannot subscribe to ${topic}: the event bus is closed`);
      // A topic this process already listens to is subscribed again with the connection; a new one cannot be now.
      if (!topics.has(topic) && subscriberState.outage()) {
        throw new EventBusUnavailableError(`cannot subscribe to ${topic}: the connection to Redis is down; try again shortly`);
      }
      const bufferSize = o.bufferSize ?? DEFAULT_BUFFER_SIZE;
      const entry = join(topic);
      const sub: BufferedSubscription<unknown> = new BufferedSubscription(bufferSize, () => leave(topic, entry, sub));
      entry.subs.add(sub);
      try {
        await entry.subId;
      } catch (err) {
        sub.close('subscribe failed');
        throw new EventBusUnavailableError(`subscribe to ${topic} failed: ${(err as Error).message}`, { cause: err });
      }
      return sub as BusSubscription<T>;
    },

    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => void reconnectListeners.delete(listener);
    },

    async close() {
      if (closed) return;
      closed = true;
      reconnectListeners.clear();
      for (const entry of [...topics.values()]) for (const sub of [...entry.subs]) sub.close('bus closed');
      topics.clear();
      let timer: NodeJS.Timeout | undefined;
      const quits = Promise.allSettled([publisher.quit(), subscriber.quit()]);
      await Promise.race([quits, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      // QUIT cannot reach a Redis that is down; disconnect also stops the reconnect loop.
      for (const client of [publisher, subscriber]) if (client.status !== 'end') client.disconnect();
    },
  };
}

/**
 * One warning per outage and one line on recovery, instead of an error per
 * reconnect attempt; `onRestored` runs on each recovery. `outage()`: the
 * connection was ready once and is not now.
 */
function watchConnection(client: Redis, role: string, logger: BusLogger, onRestored: () => void) {
  let connected = false;
  let down = false;
  let lastError: string | undefined;
  client.on('error', (err: Error & { code?: string }) => {
    lastError = err.code ?? err.message;
  });
  client.on('reconnecting', (delayMs: number) => {
    if (down) return;
    down = true;
    logger.warn({ connection: role, error: lastError, retryInMs: delayMs }, 'redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    connected = true;
    if (!down) return;
    down = false;
    lastError = undefined;
    logger.info({ connection: role }, 'redis connection restored');
    onRestored();
  });
  return { outage: () => connected && client.status !== 'ready' };
}

/**
 * RedisPubSub.unsubscribe fires UNSUBSCRIBE/PUNSUBSCRIBE without handling the
 * promise; during an outage or after close that rejection would be unhandled
 * and end the process (davidyaha/graphql-redis-subscriptions#593). Mark them handled.
 */
function guardUnsubscribe(client: Redis) {
  for (const name of ['unsubscribe', 'punsubscribe'] as const) {
    const original = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const result = original(...args);
      result.catch(noop);
      return result;
    };
  }
}

/**
 * When SUBSCRIBE fails (Redis down, or the bus closing), RedisPubSub 2.7.0 also
 * rejects an internal Deferred that nobody awaits, an unhandled rejection that
 * ends the process. The caller already gets the error from subscribe().
 */
function markPendingHandled(pubsub: RedisPubSub, channel: string) {
  type Pending = Map<string, { pending?: { catch?: (f: () => void) => unknown } }>;
  (pubsub as unknown as { subsPendingRefsMap?: Pending }).subsPendingRefsMap?.get(channel)?.pending?.catch?.(noop);
}
