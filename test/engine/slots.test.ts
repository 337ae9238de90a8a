import { describe, expect, it } from 'vitest';
import { createLocalDispatcher } from '../../src/engine/local-dispatcher.ts';
import { createSlots } from '../../src/engine/slots.ts';
import type { ReadyTask } from '../../src/engine/types.ts';

const silent = { error() {}, warn() {}, info() {}, debug() {} } as never;
const task = (i: number, agent: string): ReadyTask => ({ taskId: `t${i}`, workflowId: 'w', key: String(i), agent, orderIndex: i });
/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the process slots', () => {
  it('take within the global limit, and a plan (no agent) takes a global slot only', () => {
    const s = createSlots({ max: 3, perAgent: 2 });
    expect(s.take('a')).toBe(true);
    expect(s.take('b')).toBe(true);
    expect(s.take()).toBe(true);
    expect(s.busy()).toBe(3);
    expect(s.busy('a')).toBe(1);
    expect(s.room()).toBe(false);
    expect(s.take('c')).toBe(false);
    s.release();
    expect(s.take('c')).toBe(true);
    expect([s.busy(), s.busy('c')]).toEqual([3, 1]);
  });

  it('take within the per-agent limit while other agents still have room', () => {
    const s = createSlots({ max: 10, perAgent: 2 });
    expect([s.take('a'), s.take('a'), s.take('a')]).toEqual([true, true, false]);
    expect(s.room('a')).toBe(false);
    expect(s.room('b')).toBe(true);
    s.release('a');
    expect(s.take('a')).toBe(true);
    s.release('a');
    s.release('a');
    expect([s.busy(), s.busy('a')]).toEqual([0, 0]);
  });

  it('reserve only once open and before closing; unreserve gives the slot back', () => {
    const s = createSlots({ max: 2, perAgent: 1 });
    expect(s.reserve('a')).toBe(false); // no worker role yet
    s.open();
    expect(s.reserve('a')).toBe(true);
    expect(s.reserve('a')).toBe(false); // the agent's limit
    expect(s.reserve('b')).toBe(true);
    expect(s.reserve('c')).toBe(false); // the global limit
    s.unreserve('a');
    expect([s.busy(), s.busy('a')]).toEqual([1, 0]);
    expect(s.reserve('a')).toBe(true);
    s.unreserve('a');
    s.close();
    expect(s.room('a')).toBe(true);
    expect(s.reserve('a')).toBe(false); // stopping: room, but no reservations
  });

  it('acquire waits its turn, first for a global slot and then for its agent, and is never overtaken by take or reserve', async () => {
    const s = createSlots({ max: 2, perAgent: 1 });
    s.open();
    expect(s.take('a')).toBe(true);
    const got: string[] = [];
    const second = s.acquire('a').then(() => got.push('a2')); // a global slot, then waits for a's
    const third = s.acquire('b').then(() => got.push('b')); // waits for a global slot
    await settle();
    expect(got).toEqual([]);
    expect(s.busy()).toBe(2);
    expect(s.reserve('c')).toBe(false);
    s.release('a'); // a's slot goes to the second a, its global slot to b
    await Promise.all([second, third]);
    expect(got).toEqual(['a2', 'b']);
    // Handed over, never freed in between: the second a held its global slot while it waited.
    expect([s.busy(), s.busy('a'), s.busy('b')]).toEqual([2, 1, 1]);
    s.release('a');
    s.release('b');
    expect(s.busy()).toBe(0);
  });

  it('tell listeners after each release, and forget agents with nothing running', () => {
    const s = createSlots({ max: 1, perAgent: 1 });
    let freed = 0;
    s.onFree(() => freed++);
    s.take('a');
    s.release('a');
    expect(freed).toBe(1);
    expect(s.busy('a')).toBe(0);
  });
});

describe('the local queue in the slots', () => {
  it('starts a waiting task whenever a slot frees, so a reservation never overtakes it', async () => {
    const s = createSlots({ max: 3, perAgent: 1 });
    s.open();
    const d = createLocalDispatcher({ logger: silent });
    const ends = new Map<string, () => void>();
    const started: string[] = [];
    await d.startWorking(
      (t) => {
        started.push(t.taskId);
        return new Promise<void>((r) => ends.set(t.taskId, r));
      },
      async () => {},
      s,
    );
    await d.enqueue([task(1, 'a'), task(2, 'a'), task(3, 'b')]);
    expect(started).toEqual(['t1', 't3']);
    expect(s.reserve('a')).toBe(false); // a's limit: t2 waits for it
    ends.get('t1')!();
    await settle();
    expect(started).toEqual(['t1', 't3', 't2']); // t2 took a's slot before anyone could reserve it
    expect(s.reserve('a')).toBe(false);
    // A continued task runs in a reserved slot, which is given back (and the queue goes on) after it.
    expect(s.reserve('c')).toBe(true);
    let continuedRan = false;
    const run = d.runClaimed(task(4, 'c'), async () => void (continuedRan = true)).finally(() => s.release('c'));
    await run;
    expect(continuedRan).toBe(true);
    expect(s.busy('c')).toBe(0);
    expect(s.busy()).toBe(2);
    for (const end of ends.values()) end();
    await d.stop(1000);
    expect(s.busy()).toBe(0);
  });
});
