import { afterAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { modelEnv } from '../support/planning-jobs.ts';
import { type BatonProcess, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, spawnBaton } from '../support/processes.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testRedisPrefix } from '../support/services.ts';
import { approvalsFlow, numberedAnswers } from './process-flow.ts';

/**
 * Issue #14 in PostgreSQL + BullMQ mode: the decisions go over GraphQL to a ROLE=api process,
 * the tasks run on a ROLE=worker process, each on its own fake provider (so a call says which
 * process made it). The worker and the API are both killed with SIGKILL while task 1 awaits
 * approval and restarted. PostgreSQL project only (excluded from the sqlite project by name).
 */
const available = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));
if (!available && !process.env.CI) console.log('[steering] PostgreSQL or Redis unreachable: skipped');

describe.runIf(available || process.env.CI)('approvals across an API process and a BullMQ worker (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  const fakes: FakeOpenAI[] = [];
  const prefix = testRedisPrefix();
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      ...fakes.map((f) => () => f.close()),
      async () => {
        await deleteRedisKeys(REDIS_TEST_URL, prefix);
        expect(await redisKeys(REDIS_TEST_URL, prefix)).toEqual([]);
      },
      () => db?.drop(),
    ),
  );

  it('decisions on the API process start the tasks on the worker; the API process makes no model call', async () => {
    db = await createTestDatabase('postgresql');
    const apiFake = await startFakeOpenAI(numberedAnswers());
    const workerFake = await startFakeOpenAI(numberedAnswers());
    fakes.push(apiFake, workerFake);
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH: 'off', BULLMQ_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '200' };
    let n = 0;
    const startApi = () => spawnBaton({ ...shared, ...modelEnv(apiFake), ROLE: 'api' }, `api-${++n}`);
    const startWorker = () => spawnBaton({ ...shared, ...modelEnv(workerFake), ROLE: 'worker' }, `worker-${n}`);
    let api: BatonProcess = startApi();
    await api.ready; // migrates the database before the worker starts
    let worker: BatonProcess = startWorker();
    await worker.ready;

    await approvalsFlow({
      api: () => api,
      fake: workerFake,
      async restart() {
        for (const p of [worker, api]) expect((await p.kill('SIGKILL')).signal).toBe('SIGKILL');
        api = startApi();
        await api.ready;
        worker = startWorker();
        await worker.ready;
      },
    });
    expect(apiFake.requests).toEqual([]);
    expect(workerFake.requests.length).toBe(5);
  }, 240_000);
});
