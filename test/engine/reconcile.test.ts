import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { deleteRedisKeys } from '../support/processes.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { REDIS_TEST_URL, serviceAvailable, testDialect, testRedisPrefix } from '../support/services.ts';

const runs = await serviceAvailable('redis');

describe.runIf(runs)('with BullMQ, a worker re-queues READY tasks that lost their job', () => {
  const prefix = testRedisPrefix();
  const models = scriptedModels();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, RECONCILE_MS: '200', ROLE: 'worker' }, { models: models.factory });
  });
  afterAll(async () => {
    await t?.close();
    await deleteRedisKeys(REDIS_TEST_URL, prefix);
  });

  it('a start committed by a process that died before queueing its first tasks still runs', async () => {
    const id = await t.app.services.workflows.create('default', { description: 'orphaned start', tasks: AUTH_TASKS });
    // What startWorkflow commits, without the enqueue that follows it (the API process "died" here).
    const committed = await t.app.engine.store.start(id);
    expect(committed.value.map((r) => r.key)).toEqual(['1', '4', '5']);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'], 15_000)).toBe('COMPLETED');
    expect(models.calls.map((c) => c.key).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });
});

// No worker here: nothing but the test touches the task between its claim and the look-up.
describe.runIf(testDialect !== 'postgresql' || (await serviceAvailable('postgresql')))("the reconciler's look-up of unfinished tasks", () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => api?.close());

  it('re-queues a RUNNING task only once it is older than the lock: one just continued by a live worker is left alone', async () => {
    const id = await api.app.services.workflows.create('default', { description: 'fresh claim', tasks: [{ key: '1', agent: '@backend', description: 'x', dependsOn: [] }] });
    // Committed as a live worker would between its claim and queueing the takeover job: RUNNING, no job.
    const [ready] = (await api.app.engine.store.start(id)).value;
    const claimed = (await api.app.engine.store.claim(ready!)).value!;
    const mine = (tasks: Array<{ taskId: string }>) => tasks.filter((r) => r.taskId === claimed.taskId).length;
    const now = Date.now();
    expect(mine(await api.app.engine.store.unfinished())).toBe(1);
    expect(mine(await api.app.engine.store.unfinished({ runningBefore: now - 60_000 }))).toBe(0);
    expect(mine(await api.app.engine.store.unfinished({ runningBefore: now + 1 }))).toBe(1);
    await api.app.engine.cancel(id);
  });
});
