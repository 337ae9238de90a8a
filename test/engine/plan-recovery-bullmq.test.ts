import { afterAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { gql, isPlanning, planCalls, planningScript, planWorkflow, modelEnv, statusOf } from '../support/planning-jobs.ts';
import { cleanUp, deleteRedisKeys, killAllBatons, sleep, spawnBaton, until } from '../support/processes.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testRedisPrefix } from '../support/services.ts';

/**
 * Planning is a job like a task: the process making the orchestrator's call may stop (SIGTERM)
 * or die (kill -9) mid-call, and another process (or the restart) plans the workflow again; the
 * autoStarted run then completes. A ROLE=api process never calls a model.
 * PostgreSQL + Redis + BullMQ (postgresql project only); embedded in plan-recovery.test.ts.
 */
const redisMode = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(redisMode)('planning survives SIGTERM and kill -9 of its worker (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  const fakes: FakeOpenAI[] = [];
  const prefix = testRedisPrefix();
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      ...fakes.map((f) => () => f.close()),
      () => deleteRedisKeys(REDIS_TEST_URL, prefix),
      () => db?.drop(),
    ),
  );

  it('a ROLE=api process makes no model call; planning moves on from a stopped and a killed worker', async () => {
    db = await createTestDatabase('postgresql');
    const apiFake = await startFakeOpenAI(planningScript(1));
    const workerFake = await startFakeOpenAI(planningScript(3));
    fakes.push(apiFake, workerFake);
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH: 'off', BULLMQ_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '200' };
    const api = spawnBaton({ ...shared, ...modelEnv(apiFake), ROLE: 'api' }, 'api');
    await api.ready;
    const id = await planWorkflow(api);
    // With no worker, nobody plans: the API process does not.
    await sleep(2000);
    expect(apiFake.requests).toEqual([]);
    expect((await statusOf(api, id)).status).toBe('PLANNING');

    const worker = (n: number) => spawnBaton({ ...shared, ...modelEnv(workerFake), ROLE: 'worker' }, `worker-${n}`);
    const w1 = worker(1);
    await until(() => planCalls(workerFake) === 1, 'worker 1 to start planning', 60_000);
    const stopped = await w1.kill('SIGTERM');
    expect(stopped.code, w1.output()).toBe(0);

    const w2 = worker(2);
    await until(() => planCalls(workerFake) === 2, 'worker 2 to plan again', 60_000);
    await w2.kill('SIGKILL');

    const w3 = worker(3);
    await w3.ready;
    await until(async () => (await statusOf(api, id)).status === 'COMPLETED', 'the workflow to complete', 60_000, 200);
    expect(planCalls(workerFake)).toBe(3);
    expect((await statusOf(api, id)).tasks.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(apiFake.requests).toEqual([]);

    // Cancel during planning reaches the worker's call (another process) and aborts it.
    workerFake.setResponder((req) => (isPlanning(req) ? { hang: true } : { content: 'done' }));
    const aborted = workerFake.onAbort();
    const cancelled = await planWorkflow(api);
    await until(() => planCalls(workerFake) === 4, 'worker 3 to start planning', 60_000);
    await gql(api, 'mutation($id: ID!) { cancelWorkflow(id: $id) { status } }', { id: cancelled });
    await aborted;
    expect((await statusOf(api, cancelled)).status).toBe('CANCELLED');
    expect(w3.alive()).toBe(true);
  }, 240_000);
});
