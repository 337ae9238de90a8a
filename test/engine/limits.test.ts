import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type ScriptedCall, scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

/** The most calls that overlapped at one instant. */
function peak(calls: ScriptedCall[]) {
  const edges = calls.flatMap((c) => [
    [c.start, 1],
    [c.end!, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!); // an end before a start at the same instant
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

/**
 * Dependents made ready by a completion are continued in the completing process
 * only within its limits; the rest wait in plan order.
 */
describe.runIf(runs)(`concurrency limits on ${testDialect}`, () => {
  const fake = scriptedModels({ delayMs: (k) => (k === '1' ? 20 : 60) });
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'worker', MAX_CONCURRENCY: '3', AGENT_CONCURRENCY: '2' }, { models: fake.factory });
  });
  afterAll(async () => t?.close());

  it('a fan-out of 6 @qa and 2 @devops tasks after one: at most 2 @qa and 3 in all at once, @qa in plan order', async () => {
    const fanOut = [
      ...['2', '3', '4', '5', '6', '7'].map((key) => ({ key, agent: '@qa', description: `check ${key}`, dependsOn: ['1'] })),
      ...['8', '9'].map((key) => ({ key, agent: '@devops', description: `deploy ${key}`, dependsOn: ['1'] })),
    ];
    const id = await t.app.services.workflows.create('default', {
      description: 'limits',
      tasks: [{ key: '1', agent: '@backend', description: 'first', dependsOn: [] }, ...fanOut],
    });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const fan = fake.calls.filter((c) => c.key !== '1');
    expect(fan).toHaveLength(8);
    expect(peak(fan)).toBe(3);
    const qa = fan.filter((c) => c.agent === 'qa');
    expect(peak(qa)).toBe(2);
    expect(qa.sort((a, b) => a.start - b.start).map((c) => c.key)).toEqual(['2', '3', '4', '5', '6', '7']);
    // Every task ran once, and each started only after task 1 ended.
    const first = fake.callsFor('1')[0]!;
    for (const c of fan) expect(c.start).toBeGreaterThanOrEqual(first.end!);
    const started = (await t.app.services.workflows.eventsAfter('default', id, 0)).filter((e) => e.kind === 'task_started');
    expect(started).toHaveLength(9);
    // Dependents claimed with task 1's completion but given back for want of a slot kept their attempt count.
    expect(started.map((e) => (e.payload as { attempt: number }).attempt)).toEqual(Array(9).fill(1));
    const rows = await t.app.engine.store.tasks(id);
    expect(rows.map((r) => [Number(r.attempts), r.status])).toEqual(Array(9).fill([1, 'COMPLETED']));
  });
});
