import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_EVERYTHING } from '../../src/engine/core/policy.ts';
import type { RunStore } from '../../src/engine/store/index.ts';
import { adapterName, adapterRuns, newWorkflow, openHarness, plan, room, type StoreHarness } from './support.ts';

/** The run store's behaviour, on the adapter of this project's database, without the app. */
describe.runIf(adapterRuns)(`the run store on the ${adapterName} adapter`, () => {
  let h: StoreHarness;
  let store: RunStore;
  beforeAll(async () => {
    h = await openHarness();
    store = h.store();
  });
  afterAll(async () => h?.close());

  const statuses = async (id: string) => Object.fromEntries((await store.tasks(id)).map((t) => [t.key, t.status]));
  const kinds = async (id: string) => (await store.eventsAfter('default', id, 0)).map((e) => e.kind);
  const outcome = (output: string) => ({ output, usage: { input: 3, output: 4 }, durationMs: 5 });

  it('a chain runs through start, claim and completeAndClaim: a dependent is claimed into the room given, or returned to queue', async () => {
    const id = (await store.create(newWorkflow(plan('a:dev', 'b:qa<-a', 'c:qa<-a', 'd:dev<-b,c')))).value;
    const started = await store.start(id);
    expect(started.statusChanged).toBe(true);
    expect(started.value.map((r) => r.key)).toEqual(['a']);
    const a = (await store.claim(started.value[0]!)).value!;
    expect(a).toMatchObject({ key: 'a', attempt: 1, request: 'a request' });
    const one = room(1);
    const done = await store.completeAndClaim(a, outcome('A'), one);
    expect(one.got.map((t) => t.key)).toEqual(['b']); // plan order, as far as the room goes
    expect(done.value!.ready.map((r) => r.key)).toEqual(['c']);
    expect(await statuses(id)).toEqual({ a: 'COMPLETED', b: 'RUNNING', c: 'READY', d: 'PENDING' });
    expect(await store.dependencyOutputs(id, ['a'])).toEqual([{ key: 'a', agent: 'dev', output: 'A' }]);
    const c = (await store.claim(done.value!.ready[0]!)).value!;
    await store.completeAndClaim(one.got[0]!, outcome('B'));
    const end = await store.completeAndClaim(c, outcome('C'), room(1));
    const d = (await store.tasks(id)).find((t) => t.key === 'd')!;
    expect(d).toMatchObject({ status: 'RUNNING', attempts: 1, leased: true });
    expect(end.status).toBe('EXECUTING');
    expect(await kinds(id)).toEqual([
      'created',
      'plan_ready',
      'started',
      'progress',
      'task_started',
      'task_completed',
      'progress',
      'task_started',
      'task_started',
      'task_completed',
      'progress',
      'task_completed',
      'progress',
      'task_started',
    ]);
  });

  it("a write under a lease that is no longer the task's is refused, and a takeover counts an attempt", async () => {
    const id = (await store.create(newWorkflow(plan('a:dev')))).value;
    const [ready] = (await store.start(id)).value;
    const first = (await store.claim(ready!)).value!;
    const second = (await store.claim(ready!)).value!; // a takeover: RUNNING -> RUNNING under a new lease
    expect(second.attempt).toBe(2);
    expect((await store.completeAndClaim(first, outcome('stale'))).value).toBeNull();
    expect((await store.fail(first, 'stale')).value).toBe(false);
    expect((await store.retrying(first, 'stale', 10)).value).toBe(false);
    const done = await store.completeAndClaim(second, outcome('fresh'));
    expect(done.statusChanged).toBe(true);
    expect(done.status).toBe('COMPLETED');
    expect((await store.tasks(id))[0]).toMatchObject({ status: 'COMPLETED', output: 'fresh', leased: false });
    expect((await kinds(id)).slice(-2)).toEqual(['progress', 'completed']);
  });

  it('fail skips the dependents only; cancel clears every lease; retry runs again what did not complete', async () => {
    const id = (await store.create(newWorkflow(plan('a:dev', 'b:qa<-a', 'c:qa')))).value;
    const roots = (await store.start(id)).value;
    const [a, c] = await Promise.all(roots.map(async (r) => (await store.claim(r)).value!));
    expect((await store.fail(a!, 'boom')).value).toBe(true);
    expect(await statuses(id)).toEqual({ a: 'FAILED', b: 'SKIPPED', c: 'RUNNING' });
    const cancelled = await store.cancel(id, 'enough');
    expect(cancelled.value).toEqual([c!.taskId]);
    expect(cancelled.status).toBe('CANCELLED');
    expect((await store.completeAndClaim(c!, outcome('late'))).value).toBeNull();
    expect((await store.tasks(id)).every((t) => !t.leased)).toBe(true);
    await expect(store.cancel(id, null)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    const again = await store.retry(id);
    expect(again.value.map((r) => r.key)).toEqual(['a', 'c']);
    expect(await statuses(id)).toEqual({ a: 'READY', b: 'PENDING', c: 'READY' });
    expect((await store.unfinished()).filter((r) => r.workflowId === id).map((r) => r.key)).toEqual(['a', 'c']);
  });

  it('a task the policy holds before its run is AWAITING_APPROVAL, is neither returned nor recovered, and the run does not end', async () => {
    const held = h.store({ ...RUN_EVERYTHING, holdBeforeRun: (t) => t.key === 'b' });
    const id = (await held.create(newWorkflow(plan('a:dev', 'b:qa<-a', 'c:qa<-a')))).value;
    const a = (await held.claim((await held.start(id)).value[0]!)).value!;
    const done = await held.completeAndClaim(a, outcome('A'), room(5));
    expect(done.value!.ready).toEqual([]); // c was claimed into the room, b held
    expect(await statuses(id)).toEqual({ a: 'COMPLETED', b: 'AWAITING_APPROVAL', c: 'RUNNING' });
    const b = (await held.tasks(id)).find((t) => t.key === 'b')!;
    expect(b).toMatchObject({ remainingDeps: 0, attempts: 0, leased: false });
    expect((await held.unfinished()).some((r) => r.taskId === b.taskId)).toBe(false);
  });

  it('events and ownership are per tenant; a start of a run that is not PLANNED is refused', async () => {
    const id = (await store.create(newWorkflow(plan('a:dev'), 'acme'))).value;
    expect(await store.owned('acme', id)).toBe(true);
    expect(await store.owned('default', id)).toBe(false);
    expect(await store.eventsAfter('default', id, 0)).toEqual([]);
    expect((await store.eventsAfter('acme', id, 1)).map((e) => [e.seq, e.kind])).toEqual([[2, 'plan_ready']]);
    await store.start(id);
    await expect(store.start(id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(await store.status(id)).toBe('EXECUTING');
  });
});
