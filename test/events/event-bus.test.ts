import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SubscriberLaggedError, type BusSubscription, type EventBus } from '../../src/events/event-bus.ts';
import { createMemoryBus } from '../../src/events/memory-bus.ts';
import { createRedisBus } from '../../src/events/redis-bus.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `baton-test-${randomUUID()}:`;
const silent = { info() {}, warn() {} };

async function redisProblem(): Promise<string | undefined> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  let cause: string | undefined;
  probe.on('error', (err: Error) => void (cause = err.message));
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (err) {
    return cause ?? (err as Error).message;
  } finally {
    probe.disconnect();
  }
}

const problem = await redisProblem();
if (problem && process.env.CI) throw new Error(`Redis at ${REDIS_URL} is required in CI but unreachable: ${problem}`);
if (problem) console.warn(`skipping the Redis event bus variant: ${REDIS_URL} is unreachable (${problem})`);

interface Variant {
  name: string;
  create: () => EventBus;
  /** How many connections Redis has subscribed to the topic's channel. */
  channelSubscribers?: (topic: string) => Promise<number>;
}

const variants: Variant[] = [{ name: 'memory', create: createMemoryBus }];
if (!problem) {
  variants.push({
    name: 'redis',
    create: () => createRedisBus({ url: REDIS_URL, prefix: PREFIX, logger: silent }),
    async channelSubscribers(topic) {
      const admin = new Redis(REDIS_URL);
      try {
        const [, count] = (await admin.pubsub('NUMSUB', PREFIX + topic)) as [string, number];
        return Number(count);
      } finally {
        admin.disconnect();
      }
    },
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`expected ${what} within ${ms} ms, but nothing came`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function take<T>(sub: BusSubscription<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await within(sub.next(), 5000, `item ${out.length + 1} of ${n}`);
    if (r.done) throw new Error(`expected ${n} items, but the subscription ended after ${out.length}`);
    out.push(r.value);
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(variants)('$name event bus', (variant) => {
  let bus: EventBus;
  const topic = () => `t-${randomUUID()}`;
  beforeEach(() => void (bus = variant.create()));
  afterEach(() => bus.close());

  it('delivers a topic in publish order, as JSON', async () => {
    const t = topic();
    const sub = await bus.subscribe<{ i: number }>(t);
    await Promise.all(range(1, 200).map((i) => bus.publish(t, { i })));
    expect((await take(sub, 200)).map((m) => m.i)).toEqual(range(1, 200));
    await bus.publish(t, { at: new Date(0) });
    expect(await take(sub, 1)).toEqual([{ at: '1970-01-01T00:00:00.000Z' }]);
  });

  it('keeps topics apart', async () => {
    const [a, b] = [topic(), topic()];
    const subA = await bus.subscribe(a);
    const subB = await bus.subscribe(b);
    for (const [t, m] of [
      [a, 'a1'],
      [b, 'b1'],
      [a, 'a2'],
      [b, 'b-end'],
    ])
      await bus.publish(t!, m);
    expect(await take(subA, 2)).toEqual(['a1', 'a2']);
    expect(await take(subB, 2)).toEqual(['b1', 'b-end']);
  });

  it('fans out to many subscribers', async () => {
    const t = topic();
    const subs = await Promise.all(range(1, 20).map(() => bus.subscribe<number>(t)));
    for (const i of range(1, 50)) await bus.publish(t, i);
    for (const sub of subs) expect(await take(sub, 50)).toEqual(range(1, 50));
  });

  // Only a bus with channels has this to show; the memory bus defines no such test (rather than skipping one).
  if (variant.channelSubscribers)
    it('shares one channel subscription per topic and releases it', async () => {
      const t = topic();
      const subs = await Promise.all(range(1, 5).map(() => bus.subscribe(t)));
      expect(await variant.channelSubscribers!(t)).toBe(1);
      subs.slice(1).forEach((s) => s.close());
      expect(await variant.channelSubscribers!(t)).toBe(1);
      subs[0]!.close();
      await expect.poll(() => variant.channelSubscribers!(t)).toBe(0);
    });

  it('never misses what is published after subscribe resolves', async () => {
    for (const i of range(1, 30)) {
      const t = topic();
      const sub = await bus.subscribe<number>(t);
      await bus.publish(t, i);
      expect(await take(sub, 1)).toEqual([i]);
      sub.close();
    }
  });

  it('ends a slow subscriber with SubscriberLaggedError; a fast one gets everything; publish never waits', async () => {
    const t = topic();
    const slow = await bus.subscribe<number>(t, { bufferSize: 10 });
    const fast = await bus.subscribe<number>(t);
    const received = take(fast, 300);
    const started = Date.now();
    await within(Promise.all(range(1, 300).map((i) => bus.publish(t, i))), 5000, 'all publishes to settle');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await received).toEqual(range(1, 300));
    const error = await slow.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SubscriberLaggedError);
    expect(error).toMatchObject({ code: 'SUBSCRIBER_LAGGED', name: 'SubscriberLaggedError' });
    expect((error as Error).message).toMatch(/more than 10 events.*afterSeq/);
    expect(await slow.next()).toEqual({ done: true, value: undefined });
  });

  it('close() ends that iterator, pending next() included, and no other', async () => {
    const t = topic();
    const closing = await bus.subscribe<number>(t);
    const staying = await bus.subscribe<number>(t);
    const pending = closing.next();
    closing.close('test');
    expect(await pending).toEqual({ done: true, value: undefined });
    const seen: number[] = [];
    for await (const n of closing) seen.push(n);
    expect(seen).toEqual([]);
    await bus.publish(t, 1);
    expect(await take(staying, 1)).toEqual([1]);
  });

  it('bus.close() ends every subscription', async () => {
    const subs = await Promise.all([bus.subscribe(topic()), bus.subscribe(topic()), bus.subscribe(topic())]);
    const pending = subs.map((s) => s.next());
    await bus.close();
    expect(await Promise.all(pending)).toEqual(subs.map(() => ({ done: true, value: undefined })));
    for (const s of subs) expect(await s.next()).toEqual({ done: true, value: undefined });
  });
});
