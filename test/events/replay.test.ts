import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SubscriberLaggedError, type BusSubscription, type EventBus } from '../../src/events/event-bus.ts';
import { createMemoryBus } from '../../src/events/memory-bus.ts';
import { replayThenLive } from '../../src/events/replay.ts';

interface Ev {
  seq: number;
  kind: string;
  text?: string;
}

const TOPIC = 'workflow.w1';
const ev = (seq: number, kind = 'progress'): Ev => ({ seq, kind });
const out = (seq: number, text: string): Ev => ({ seq, kind: 'task_output', text });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The event log: stored events, every load call, and a hook that runs inside a load. */
function fakeStore(events: Ev[] = []) {
  const store = {
    events,
    loads: [] as Array<[number, number | undefined]>,
    duringLoad: undefined as undefined | (() => Promise<void>),
    async load(afterSeq: number, untilSeq?: number): Promise<Ev[]> {
      store.loads.push([afterSeq, untilSeq]);
      const snapshot = store.events.filter((e) => e.seq > afterSeq && (untilSeq === undefined || e.seq <= untilSeq));
      const hook = store.duringLoad;
      store.duringLoad = undefined;
      await hook?.();
      return snapshot;
    },
  };
  return store;
}

let bus: EventBus;
beforeEach(() => void (bus = createMemoryBus()));
afterEach(() => bus.close());

/** Commit then publish, as the engine does. */
async function commit(store: ReturnType<typeof fakeStore>, ...events: Ev[]) {
  store.events.push(...events.filter((e) => e.kind !== 'task_output'));
  for (const e of events) await bus.publish(TOPIC, e);
}

async function take(it: AsyncIterator<Ev>, n: number): Promise<Ev[]> {
  const got: Ev[] = [];
  while (got.length < n) {
    const r = await it.next();
    if (r.done) throw new Error(`expected ${n} events, but the iterator finished after ${got.length}`);
    got.push(r.value);
  }
  return got;
}

/** A resync signal fired by hand; `listeners` shows whether the replay still listens. */
function manualSignal() {
  const listeners = new Set<() => void>();
  return {
    listeners,
    signal: (l: () => void) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    fire: () => listeners.forEach((l) => l()),
  };
}

function replay(store: ReturnType<typeof fakeStore>, afterSeq: number, bufferSize?: number, resync?: ReturnType<typeof manualSignal>) {
  const subs: BusSubscription<Ev>[] = [];
  const iterator = replayThenLive<Ev>({
    afterSeq,
    subscribe: async () => {
      const sub = await bus.subscribe<Ev>(TOPIC, { bufferSize });
      subs.push(sub);
      return sub;
    },
    load: store.load,
    isTerminal: (e) => e.kind === 'completed',
    resync: resync?.signal,
  });
  return { iterator, subs };
}

describe('replayThenLive', () => {
  it('after the end, afterSeq k yields exactly k+1..N and finishes', async () => {
    const N = 8;
    for (const k of range(0, N - 1)) {
      const store = fakeStore([...range(1, N - 1).map((s) => ev(s)), ev(N, 'completed')]);
      const { iterator, subs } = replay(store, k);
      const seqs: number[] = [];
      for await (const e of iterator) seqs.push(e.seq);
      expect(seqs).toEqual(range(k + 1, N));
      expect(await subs[0]!.next()).toEqual({ done: true, value: undefined });
    }
  });

  it('subscribes before loading: events committed during the load come once, in order', async () => {
    const store = fakeStore(range(1, 5).map((s) => ev(s)));
    // 6 and 7 are committed before the load reads (it returns them too), 8 after.
    store.events.push(ev(6), ev(7));
    store.duringLoad = async () => {
      await bus.publish(TOPIC, ev(6));
      await bus.publish(TOPIC, ev(7));
      await commit(store, ev(8));
    };
    const { iterator } = replay(store, 2);
    expect((await take(iterator, 5)).map((e) => e.seq)).toEqual(range(3, 7));
    await commit(store, ev(9), ev(10, 'completed'));
    const rest: number[] = [];
    for await (const e of iterator) rest.push(e.seq);
    expect(rest).toEqual([8, 9, 10]);
    expect(store.loads).toEqual([[2, undefined]]);
  });

  it('fills a live gap from the store and drops the late duplicate', async () => {
    const store = fakeStore(range(1, 3).map((s) => ev(s)));
    const { iterator } = replay(store, 0);
    expect((await take(iterator, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
    store.events.push(ev(4), ev(5));
    await bus.publish(TOPIC, ev(5)); // arrives before 4, which another process committed first
    await bus.publish(TOPIC, ev(4));
    await commit(store, ev(6));
    expect((await take(iterator, 3)).map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(store.loads).toEqual([
      [0, undefined],
      [3, 5],
    ]);
    await iterator.return!();
  });

  it('passes every live task_output through (parallel tasks stream under older seqs), never loads it, never advances last', async () => {
    const store = fakeStore([ev(1, 'started'), ev(2, 'task_started')]);
    const { iterator } = replay(store, 0);
    expect((await take(iterator, 2)).map((e) => e.seq)).toEqual([1, 2]);
    await commit(store, out(2, 'a'), out(1, 'stale'), out(2, 'b'), ev(3, 'task_started'), out(3, 'c'), out(2, 'd'));
    // A chunk ahead of us pulls in the stored events it follows first.
    store.events.push(ev(4, 'task_started'));
    await bus.publish(TOPIC, out(4, 'e'));
    await commit(store, ev(5, 'completed'));
    const rest: Ev[] = [];
    for await (const e of iterator) rest.push(e);
    expect(rest.map((e) => e.text ?? `#${e.seq}`)).toEqual(['a', 'stale', 'b', '#3', 'c', 'd', '#4', 'e', '#5']);
    expect(store.loads).toEqual([
      [0, undefined],
      [3, 4],
    ]);
  });

  it('a task_output ahead of the store does not advance last: the stored events after it still come', async () => {
    const store = fakeStore([ev(1)]);
    const { iterator } = replay(store, 0);
    await take(iterator, 1);
    await bus.publish(TOPIC, out(3, 'x')); // the store has no 2 or 3 yet
    expect(await take(iterator, 1)).toEqual([out(3, 'x')]);
    await commit(store, ev(2), ev(3, 'completed'));
    const rest: Ev[] = [];
    for await (const e of iterator) rest.push(e);
    expect(rest.map((e) => e.seq)).toEqual([2, 3]);
  });

  it('ends after a terminal event and closes the subscription', async () => {
    const store = fakeStore([ev(1)]);
    const { iterator, subs } = replay(store, 0);
    expect((await take(iterator, 1)).map((e) => e.seq)).toEqual([1]);
    await commit(store, ev(2, 'completed'), ev(3));
    expect((await take(iterator, 1)).map((e) => e.kind)).toEqual(['completed']);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await subs[0]!.next()).toEqual({ done: true, value: undefined });
  });

  it('return() while waiting for a live event ends it and closes the subscription', async () => {
    const store = fakeStore([ev(1)]);
    const { iterator, subs } = replay(store, 0);
    await take(iterator, 1);
    const pending = iterator.next();
    await expect(iterator.return!()).resolves.toEqual({ done: true, value: undefined });
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await subs[0]!.next()).toEqual({ done: true, value: undefined });
  });

  it('propagates SubscriberLaggedError to the consumer', async () => {
    const store = fakeStore([ev(1)]);
    const { iterator } = replay(store, 0, 3);
    await take(iterator, 1);
    await commit(store, ...range(2, 10).map((s) => ev(s)));
    await expect(iterator.next()).rejects.toBeInstanceOf(SubscriberLaggedError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  describe('resync (live delivery lost events, e.g. Redis was down)', () => {
    it('reads the events committed but never published, once and in order, without waiting for a later live event', async () => {
      const store = fakeStore([ev(1), ev(2)]);
      const resync = manualSignal();
      const { iterator } = replay(store, 0, undefined, resync);
      expect((await take(iterator, 2)).map((e) => e.seq)).toEqual([1, 2]);
      const waiting = iterator.next(); // parked on the bus
      store.events.push(ev(3), ev(4), ev(5)); // committed; their publishes were lost
      resync.fire();
      expect((await waiting).value?.seq).toBe(3);
      expect((await take(iterator, 2)).map((e) => e.seq)).toEqual([4, 5]);
      // Published late after all (the publisher resends), then new ones: the stale ones are dropped.
      await bus.publish(TOPIC, ev(5));
      await commit(store, ev(6), ev(7, 'completed'));
      const rest: number[] = [];
      for await (const e of iterator) rest.push(e.seq);
      expect(rest).toEqual([6, 7]);
      expect(store.loads).toEqual([
        [0, undefined],
        [2, undefined],
      ]);
      expect(resync.listeners.size).toBe(0);
    });

    it('a resync with nothing new yields nothing and keeps the live stream going', async () => {
      const store = fakeStore([ev(1)]);
      const resync = manualSignal();
      const { iterator } = replay(store, 0, undefined, resync);
      await take(iterator, 1);
      const waiting = iterator.next();
      resync.fire();
      resync.fire();
      await commit(store, ev(2));
      expect((await waiting).value?.seq).toBe(2);
      expect(store.loads.length).toBeGreaterThanOrEqual(2);
      await iterator.return!();
      expect(resync.listeners.size).toBe(0);
    });

    it('a live event buffered when the resync fires is not lost, and not repeated by the read', async () => {
      const store = fakeStore([ev(1)]);
      const resync = manualSignal();
      const { iterator } = replay(store, 0, undefined, resync);
      await take(iterator, 1);
      await commit(store, ev(2)); // buffered, not yet taken
      store.events.push(ev(3)); // lost
      resync.fire();
      await commit(store, ev(4, 'completed'));
      const rest: number[] = [];
      for await (const e of iterator) rest.push(e.seq);
      expect(rest).toEqual([2, 3, 4]);
    });

    it('a resync during the first load reads again right after it', async () => {
      const store = fakeStore([ev(1)]);
      const resync = manualSignal();
      store.duringLoad = async () => {
        store.events.push(ev(2)); // committed after the snapshot, its publish lost
        resync.fire();
      };
      const { iterator } = replay(store, 0, undefined, resync);
      expect((await take(iterator, 2)).map((e) => e.seq)).toEqual([1, 2]);
      expect(store.loads).toEqual([
        [0, undefined],
        [1, undefined],
      ]);
      await iterator.return!();
    });
  });
});
