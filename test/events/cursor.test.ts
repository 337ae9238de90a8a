import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compare, formatCursor, isAfter, parseCursor, type Position } from '../../src/events/cursor.ts';
import type { EventBus } from '../../src/events/event-bus.ts';
import { createEventHub, type EventHub, type HubEvent, positionOf } from '../../src/events/hub.ts';
import { createMemoryBus } from '../../src/events/memory-bus.ts';
import { replayThenLive } from '../../src/events/replay.ts';
import { type AnyWorkflowEvent, workflowTopic } from '../../src/events/types.ts';

let WF = 'w1';
const at = new Date(0).toISOString();
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** A deterministic generator (mulberry32), so a failing trial can be run again. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stored(seq: number, kind: string): AnyWorkflowEvent {
  return { workflowId: WF, seq, kind, at, payload: {} } as AnyWorkflowEvent;
}
function chunk(seq: number, key: string, index: number): AnyWorkflowEvent {
  return { workflowId: WF, seq, kind: 'task_output', at, payload: { taskId: key, key, agent: '@a', index, text: `${key}/${index}` } };
}

let bus: EventBus;
let hub: EventHub;
let log: AnyWorkflowEvent[];
beforeEach(() => {
  bus = createMemoryBus();
  hub = createEventHub(bus);
  log = [];
});
afterEach(async () => {
  hub.close();
  await bus.close();
});

const load = async (after: number, until?: number) => log.filter((e) => e.seq > after && (until === undefined || e.seq <= until));

function stream(after: Position, finished = false) {
  return replayThenLive<HubEvent>({
    after,
    subscribe: () => hub.subscribe(WF),
    load: load as never,
    positionOf,
    bufferedChunks: (p) => subsNow.at(-1)!.bufferedChunks(p),
    observe: (seq) => subsNow.at(-1)!.observe(seq),
    isTerminal: (e) => TERMINAL.has(e.kind),
    finished,
  });
}
// The replay asks its own hub subscription for chunks; the tests keep a handle to the latest one.
let subsNow: Awaited<ReturnType<EventHub['subscribe']>>[] = [];
const originalSubscribe = () => hub.subscribe.bind(hub);
beforeEach(() => {
  subsNow = [];
  const sub = originalSubscribe();
  hub.subscribe = async (id, o) => {
    const s = await sub(id, o);
    subsNow.push(s);
    return s;
  };
});

/**
 * Three tasks that stream chunks side by side, as the engine runs them: each chunk carries its
 * task's task_started seq; stored events are committed, then published. Yields to the event loop
 * between publishes so that a consumer runs meanwhile.
 */
async function produce(random: () => number) {
  let seq = 0;
  const commit = async (kind: string) => {
    const e = stored(++seq, kind);
    log.push(e);
    await bus.publish(workflowTopic(WF), e);
    return e.seq;
  };
  await commit('started');
  const tasks = ['1', '2', '3'].map((key) => ({ key, startedSeq: 0, index: 0, done: false }));
  for (const t of tasks) t.startedSeq = await commit('task_started');
  while (tasks.some((t) => !t.done)) {
    const t = tasks.filter((x) => !x.done)[Math.floor(random() * tasks.filter((x) => !x.done).length)]!;
    if (t.index < 6 || random() < 0.8) await bus.publish(workflowTopic(WF), chunk(t.startedSeq, t.key, t.index++));
    else {
      t.done = true;
      await commit('task_completed');
      await commit('progress');
    }
    await new Promise((r) => setImmediate(r));
  }
  await commit('completed');
}

describe('cursor', () => {
  it('formats, parses and orders positions; refuses what this server never wrote', () => {
    const c: Position = { seq: 12, n: 3, epoch: 'ab12' };
    expect(formatCursor(c)).toBe('12.3~ab12');
    expect(parseCursor('12.3~ab12')).toEqual(c);
    expect(parseCursor('7')).toEqual({ seq: 7, n: 0, epoch: '' });
    expect(compare({ seq: 7, n: 0, epoch: '' }, c)).toBeLessThan(0);
    for (const bad of ['', '-1', '1.0~a', '01', '1.2', '1.2~', 'x', '1'.repeat(80), '12.3~AB']) {
      expect(() => parseCursor(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
    // Chunks numbered by another buffer count as seen (a resume never repeats one), stored events never do.
    expect(isAfter({ seq: 12, n: 4, epoch: 'zz' }, c)).toBe(false);
    expect(isAfter({ seq: 13, n: 1, epoch: 'zz' }, c)).toBe(true);
    expect(isAfter({ seq: 12, n: 4, epoch: 'ab12' }, c)).toBe(true);
    expect(isAfter({ seq: 12, n: 0, epoch: '' }, c)).toBe(false);
  });

  it('20 resumes at random moments with the last cursor: no duplicate, no missed stored event or buffered chunk, cursors only forward', async () => {
    for (let trial = 0; trial < 20; trial++) {
      log = [];
      WF = `trial${trial}`;
      const random = rng(1000 + trial);
      const got: HubEvent[] = [];
      let after: Position = { seq: 0, n: 0, epoch: '' };
      let resumes = 0;
      const producing = produce(random);
      for (let finished = false; !finished;) {
        // As a client with untilFinished: the workflow's status at subscribe says whether it had finished.
        const it = stream(
          after,
          log.some((e) => e.kind === 'completed'),
        );
        const stopAfter = 1 + Math.floor(random() * 12);
        let taken = 0;
        for (;;) {
          const r = await it.next();
          if (r.done) {
            finished = true;
            break;
          }
          got.push(r.value);
          after = parseCursor(r.value.cursor ?? String(r.value.seq));
          if (++taken === stopAfter) {
            await it.return!();
            resumes++;
            break;
          }
        }
      }
      await producing;
      const seqs = got.filter((e) => e.kind !== 'task_output').map((e) => e.seq);
      expect(seqs, `trial ${trial}`).toEqual(log.map((e) => e.seq));
      const chunks = got.filter((e) => e.kind === 'task_output').map((e) => (e.payload as { text: string }).text);
      expect(new Set(chunks).size, `trial ${trial}: duplicate chunk`).toBe(chunks.length);
      // Every chunk published is still in this process's buffer (512), so none may be missing either.
      const expected = log.filter((e) => e.kind === 'task_completed').length * 6;
      expect(chunks.length, `trial ${trial}`).toBeGreaterThanOrEqual(expected);
      for (const key of ['1', '2', '3']) {
        const mine = chunks.filter((t) => t.startsWith(`${key}/`)).map((t) => Number(t.split('/')[1]));
        expect(mine, `trial ${trial}: chunks of task ${key}`).toEqual(mine.map((_, i) => i));
      }
      const positions = got.map((e) => parseCursor(e.cursor ?? String(e.seq)));
      for (let i = 1; i < positions.length; i++) expect(compare(positions[i]!, positions[i - 1]!), `trial ${trial} at ${i}`).toBeGreaterThan(0);
      expect(resumes).toBeGreaterThan(0);
    }
  });

  it('untilFinished: ends after the newest terminal event, goes on past an older one, and at once when resumed after the end', async () => {
    log = [stored(1, 'started'), stored(2, 'failed'), stored(3, 'started'), stored(4, 'completed')];
    const all: string[] = [];
    for await (const e of stream({ seq: 0, n: 0, epoch: '' })) all.push(e.kind);
    expect(all).toEqual(['started', 'failed', 'started', 'completed']);
    const none: string[] = [];
    for await (const e of stream({ seq: 4, n: 0, epoch: '' }, true)) none.push(e.kind);
    expect(none).toEqual([]);
    // Not finished at subscribe: waits for the live terminal event.
    log = [stored(1, 'started')];
    const it = stream({ seq: 1, n: 0, epoch: '' });
    const next = it.next();
    log.push(stored(2, 'completed'));
    await bus.publish(workflowTopic(WF), log[1]);
    expect((await next).value?.kind).toBe('completed');
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
});

describe('event hub', () => {
  it('one bus subscription per workflow; hands every subscriber every event in order, in slices, as the same object', async () => {
    const own = createMemoryBus();
    let busSubscriptions = 0;
    const counting: EventBus = { ...own, subscribe: (t, o) => (busSubscriptions++, own.subscribe(t, o)) };
    const sliced = createEventHub(counting, { fanOutSlice: 2 });
    const subs = await Promise.all(Array.from({ length: 5 }, () => sliced.subscribe('wf')));
    expect(busSubscriptions).toBe(1);
    expect(sliced.subscribers('wf')).toBe(5);
    for (let seq = 1; seq <= 10; seq++) await own.publish(workflowTopic('wf'), { ...stored(seq, 'progress'), workflowId: 'wf' });
    const got = await Promise.all(
      subs.map(async (s) => {
        const items: HubEvent[] = [];
        while (items.length < 10) items.push((await s.next()).value as HubEvent);
        return items;
      }),
    );
    for (const g of got) expect(g.map((e) => e.cursor)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(got.every((g) => g.every((e, i) => e === got[0]![i]))).toBe(true);
    for (const s of subs) s.close();
    expect(sliced.subscribers('wf')).toBe(0);
    sliced.close();
    await own.close();
  });

  it('holds a stored event that arrived ahead of a missing one until it comes (or gapWaitMs passes)', async () => {
    const own = createMemoryBus();
    const h = createEventHub(own, { gapWaitMs: 30 });
    const sub = await h.subscribe('g');
    const pub = (seq: number) => own.publish(workflowTopic('g'), { ...stored(seq, 'progress'), workflowId: 'g' });
    await pub(1);
    await pub(3);
    await pub(2);
    await pub(5); // 4 never comes: 5 goes out after the wait
    const seqs: number[] = [];
    while (seqs.length < 4) seqs.push(((await sub.next()).value as HubEvent).seq);
    expect(seqs).toEqual([1, 2, 3, 5]);
    sub.close();
    h.close();
    await own.close();
  });
});
