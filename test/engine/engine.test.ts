import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_DURATIONS, AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`engine on ${testDialect}`, () => {
  let warm = false;
  const fake = scriptedModels({
    // Twice the durations: the order checks below then keep a 200 ms margin on a loaded machine.
    delayMs: (k) => (warm ? 2 * (AUTH_DURATIONS[k] ?? 0) : 0),
    error: (k) => (k === '3' && failing ? Object.assign(new Error('bad request'), { status: 400 }) : null),
  });
  let failing = false;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'worker' }, { models: fake.factory });
    // One run with instant agents first, so the timing below measures scheduling, not first-call JIT and connection set-up.
    const id = await t.app.services.workflows.create('default', { description: 'warm-up', tasks: AUTH_TASKS });
    await t.app.services.workflows.start('default', id);
    await waitForStatus(t.app, id, ['COMPLETED']);
    warm = true;
  });
  afterAll(async () => t?.close());

  it('starts each task the moment its last dependency completes (auth DAG)', async () => {
    fake.calls.length = 0;
    const id = await t.app.services.workflows.create('default', { description: 'Build auth', tasks: AUTH_TASKS });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const c = (k: string) => fake.callsFor(k)[0]!;
    const c8End = () => c('8').end!;
    const makespan = c8End() - fake.callsFor('1')[0]!.start;
    expect(fake.calls).toHaveLength(8);
    // Event-driven, not waves: 2 starts while 4 (500 ms) still runs, and so does 6 (at ~400 ms);
    // a wave loop would hold both until 4 ends. The 20 ms start latency itself is measured by `npm run bench`.
    expect(c('2').start).toBeGreaterThanOrEqual(c('1').end!);
    expect(c('2').start).toBeLessThan(c('4').end!);
    expect(c('6').start).toBeGreaterThanOrEqual(Math.max(c('2').end!, c('3').end!));
    expect(c('6').start).toBeLessThan(c('4').end!);
    expect(c('7').start).toBeGreaterThanOrEqual(Math.max(c('4').end!, c('5').end!, c('6').end!));
    // Far below the 2 × 1,050 ms a wave loop takes on this graph (critical path 2 × 650).
    expect(makespan).toBeLessThan(1800);
    // Each prompt carries its dependencies' full outputs, delimited.
    expect(c('6').prompt).toMatch(/<dependency key="2" agent="backend" nonce="([0-9a-f]{12})">\noutput of task 2\n<\/dependency nonce="\1">/);
    expect(c('6').prompt).toMatch(/<dependency key="3" agent="backend" nonce="[0-9a-f]{12}">/);
    const events = await t.app.services.workflows.eventsAfter('default', id, 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.kind).toBe('completed');
    const results = (events.at(-1)!.payload as { results: { tasks: unknown[]; totals: { totalTokens: number } } }).results;
    expect(results.tasks).toHaveLength(8);
    expect(results.totals.totalTokens).toBe(8 * 15);
  });

  it('a failing task skips its dependents, lets independent branches finish, and fails the workflow naming it', async () => {
    failing = true;
    const id = await t.app.services.workflows.create('default', { description: 'Build auth', tasks: AUTH_TASKS });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    const rows = await t.app.engine.store.tasks(id);
    expect(Object.fromEntries(rows.map((r) => [r.key, r.status]))).toEqual({
      '1': 'COMPLETED',
      '2': 'COMPLETED',
      '3': 'FAILED',
      '4': 'COMPLETED',
      '5': 'COMPLETED',
      '6': 'SKIPPED',
      '7': 'SKIPPED',
      '8': 'SKIPPED',
    });
    const wf = (await t.app.engine.store.outcome(id))!;
    expect(wf.error).toMatch(/^task 3 \(@backend\) failed: .*bad request/);
    failing = false;
    await t.app.services.workflows.retry('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
  });

  it('two concurrent starts of one workflow start it once; other states get INVALID_STATE', async () => {
    const id = await t.app.services.workflows.create('default', { description: 'started twice', tasks: AUTH_TASKS.slice(0, 1) });
    const results = await Promise.allSettled([t.app.services.workflows.start('default', id), t.app.services.workflows.start('default', id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_STATE' });
    expect(await waitForStatus(t.app, id, ['COMPLETED'])).toBe('COMPLETED');
    const kinds = (await t.app.services.workflows.eventsAfter('default', id, 0)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'started')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'task_started')).toHaveLength(1);
    await expect(t.app.services.workflows.start('default', id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(t.app.services.workflows.retry('default', id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});
