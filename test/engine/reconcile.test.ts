import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { deleteRedisKeys } from '../support/processes.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { REDIS_TEST_URL, serviceAvailable, testRedisPrefix } from '../support/services.ts';

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
    const id = await t.app.services.workflows.create({ description: 'orphaned start', tasks: AUTH_TASKS });
    // What startWorkflow commits, without the enqueue that follows it (the API process "died" here).
    const committed = await t.app.engine.workflows.start(id);
    expect(committed.value.map((r) => r.key)).toEqual(['1', '4', '5']);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'], 15_000)).toBe('COMPLETED');
    expect(models.calls.map((c) => c.key).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });
});
