import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/events/event-bus.ts';
import { createEventHub, positionOf, type EventHub, type HubEvent } from '../../src/events/hub.ts';
import { createMemoryBus } from '../../src/events/memory-bus.ts';
import { replayThenLive } from '../../src/events/replay.ts';
import { workflowTopic } from '../../src/events/types.ts';

/**
 * The direct path (replay.ts `direct`): once a stream has caught up, live items go to the sink
 * from the hub's push, and back through the iterator when the sink refuses or a gap needs the
 * log. What the consumer sees, iterator and sink together, must stay the exact stream.
 */

type Ev = { seq: number; kind: string; text?: string };
const WF = 'w-direct';
const TOPIC = workflowTopic(WF);

let bus: EventBus;
let hub: EventHub;
let log: Ev[];
beforeEach(() => {
  bus = createMemoryBus();
  hub = createEventHub(bus, { gapWaitMs: 10 });
  log = [];
});
afterEach(async () => {
  hub.close();
  await bus.close();
});

async function commit(...events: Ev[]) {
  log.push(...events.filter((e) => e.kind !== 'task_output'));
  for (const e of events) await bus.publish(TOPIC, e);
}

/**
 * One stream as graphql-ws consumes it: the iterator's items and the sink's, in one list in the
 * order the client would get them. `accept` decides whether the sink takes an item (a socket that
 * has room).
 */
function watch(accept: (e: HubEvent, calls: number) => boolean = () => true) {
  const got: Array<{ e: HubEvent; direct: boolean }> = [];
  let calls = 0;
  const it = replayThenLive<HubEvent>({
    subscribe: () => hub.subscribe(WF),
    load: async (from, until) => log.filter((e) => e.seq > from && (until === undefined || e.seq <= until)).sort((a, b) => a.seq - b.seq) as HubEvent[],
    positionOf,
    isTerminal: (e) => e.kind === 'completed',
    direct: () => (e) => {
      if (!accept(e, ++calls)) return false;
      got.push({ e, direct: true });
      return true;
    },
  });
  const done = (async () => {
    for await (const e of it) got.push({ e, direct: false });
  })();
  return { got, done, it };
}

const stored = (got: Array<{ e: HubEvent }>) => got.filter((g) => g.e.kind !== 'task_output').map((g) => g.e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('the direct path', () => {
  it('a subscriber joining mid-run reads the log, then goes direct; concurrent publishers, chunks included, give every event once in order', async () => {
    for (let s = 1; s <= 20; s++) log.push({ seq: s, kind: 'progress' });
    const w = watch();
    await until(() => hub.subscribers(WF) === 1 && w.got.length === 20);
    // Two "processes" publish interleaved, some out of order (the hub holds one ahead of a gap), with chunks between.
    const publisher = async (start: number) => {
      for (let s = start; s < 200; s += 4) {
        await commit({ seq: s + 1, kind: 'progress' }, { seq: s, kind: 'progress' });
        await bus.publish(TOPIC, { seq: s, kind: 'task_output', text: `chunk ${s}` });
      }
    };
    await Promise.all([publisher(21), publisher(23)]);
    await commit({ seq: 201, kind: 'completed' });
    await w.done;
    expect(stored(w.got)).toEqual(range(1, 201));
    const cursors = w.got.map((g) => positionOf(g.e)!);
    for (let i = 1; i < cursors.length; i++) {
      const [a, b] = [cursors[i - 1]!, cursors[i]!];
      expect(b.seq > a.seq || (b.seq === a.seq && b.n > a.n)).toBe(true);
    }
    // The catch-up came through the iterator, most live events directly.
    expect(w.got.slice(0, 20).every((g) => !g.direct)).toBe(true);
    expect(w.got.filter((g) => g.direct).length).toBeGreaterThan(100);
    expect(hub.subscribers(WF)).toBe(0);
  });

  it('a sink that refuses (a slow socket) hands the stream back to the iterator in order, and takes it again once caught up', async () => {
    const w = watch((_e, calls) => calls % 7 !== 0);
    await until(() => hub.subscribers(WF) === 1);
    for (let s = 1; s <= 100; s++) await commit({ seq: s, kind: 'progress' });
    await commit({ seq: 101, kind: 'completed' });
    await w.done;
    expect(stored(w.got)).toEqual(range(1, 101));
    const paths = w.got.map((g) => (g.direct ? 'd' : 'i')).join('');
    expect(paths).toMatch(/d+i+d+/);
  });

  it('a gap (an event published ahead of one whose publish was lost) is read from the log, then delivery goes direct again', async () => {
    const w = watch();
    await until(() => hub.subscribers(WF) === 1);
    await commit({ seq: 1, kind: 'progress' }, { seq: 2, kind: 'progress' });
    log.push({ seq: 3, kind: 'progress' }); // committed, its publish lost
    await commit({ seq: 4, kind: 'progress' });
    await until(() => w.got.length === 4);
    await commit({ seq: 5, kind: 'progress' }, { seq: 6, kind: 'completed' });
    await w.done;
    expect(stored(w.got)).toEqual(range(1, 6));
    expect(w.got.find((g) => g.e.seq === 3)!.direct).toBe(false);
    expect(w.got.at(-1)!.direct).toBe(true);
  });

  it('return() ends the direct path at once: nothing reaches the sink after it', async () => {
    const w = watch();
    await until(() => hub.subscribers(WF) === 1);
    await commit({ seq: 1, kind: 'progress' });
    await until(() => w.got.length === 1);
    await w.it.return!();
    await commit({ seq: 2, kind: 'progress' });
    await w.done;
    expect(stored(w.got)).toEqual([1]);
    expect(hub.subscribers(WF)).toBe(0);
  });
});
