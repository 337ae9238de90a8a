import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { modelEnv } from '../support/planning-jobs.ts';
import { type BatonProcess, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, sleep, spawnBaton, until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';
import { gqlTo } from './process-flow.ts';

/**
 * A process killed (kill -9) while its workflow is PAUSED leaves a RUNNING task; its restart's
 * recovery skips it (only EXECUTING workflows are recovered), so resumeWorkflow queues it again and
 * the run completes. One Baton process, no Redis (SQLite file or PostgreSQL, in-process queue);
 * and an API process with a BullMQ worker (PostgreSQL + Redis), the worker killed.
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

/**
 * Task 1's first call hangs; the workflow is paused while it runs, the process running it is
 * killed and restarted; after resumeWorkflow task 1 runs again and the run completes.
 */
async function pauseKillResume(api: () => BatonProcess, fake: FakeOpenAI, restart: () => Promise<void>) {
  const request = `pause-kill ${randomUUID().slice(0, 8)}`;
  const data = async (query: string, variables: Record<string, unknown>) => {
    const r = await gqlTo(api(), query, variables);
    expect(r.errors, api().output()).toBeUndefined();
    return r.data as any;
  };
  const wf = (
    await data('mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', {
      input: {
        description: request,
        tasks: [
          { key: '1', agent: 'backend', description: 'Slow' },
          { key: '2', agent: 'qa', description: 'After 1', dependsOn: ['1'] },
        ],
      },
    })
  ).createWorkflow;
  const state = async () => (await data('query($id: ID!) { workflow(id: $id) { status tasks { key status } } }', { id: wf.id })).workflow;
  const callsFor = (key: string) => fake.requests.filter((r) => taskOf(r.body)?.request === request && taskOf(r.body)?.key === key);

  await data('mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id: wf.id });
  await until(() => callsFor('1').length === 1 || null, "task 1's call", 20_000);
  await data('mutation($id: ID!) { pauseWorkflow(id: $id) { id } }', { id: wf.id });
  await restart();
  await sleep(300);
  expect(await state()).toEqual({
    status: 'PAUSED',
    tasks: [
      { key: '1', status: 'RUNNING' },
      { key: '2', status: 'PENDING' },
    ],
  });
  expect(callsFor('1')).toHaveLength(1);

  await data('mutation($id: ID!) { resumeWorkflow(id: $id) { id } }', { id: wf.id });
  await until(async () => ((await state()).status === 'COMPLETED' ? true : null), 'the run to complete', 30_000, 100);
  expect(callsFor('1')).toHaveLength(2);
  expect(callsFor('2')).toHaveLength(1);
}

/** Task 1's first call hangs (its process is killed meanwhile); every other call answers. */
function hangFirstOfTask1() {
  let first = true;
  return (req: FakeRequest): FakeBehaviour => {
    const task = taskOf(req.body);
    if (task?.key === '1' && first) {
      first = false;
      return { hang: true };
    }
    return { content: `output of ${task?.key}`, delayMs: 10 };
  };
}

describe.runIf(pgOk || process.env.CI)(`resume after a kill -9 while PAUSED (one process, ${testDialect})`, () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => fake?.close(),
      () => db?.drop(),
    ),
  );

  it('the task left RUNNING runs again after resume, and the run completes', async () => {
    db = await createTestDatabase();
    fake = await startFakeOpenAI(hangFirstOfTask1());
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off' };
    let baton = spawnBaton(env, 'baton-1');
    await baton.ready;
    await pauseKillResume(
      () => baton,
      fake,
      async () => {
        expect((await baton.kill('SIGKILL')).signal).toBe('SIGKILL');
        baton = spawnBaton(env, 'baton-2');
        await baton.ready;
      },
    );
  }, 120_000);
});

const bullmq = testDialect === 'postgresql' && (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(bullmq)('resume after a worker is killed while PAUSED (PostgreSQL + BullMQ)', () => {
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

  it('the resume, sent to the API process, queues the task the killed worker left RUNNING; a new worker runs it', async () => {
    db = await createTestDatabase('postgresql');
    const apiFake = await startFakeOpenAI(hangFirstOfTask1());
    const workerFake = await startFakeOpenAI(hangFirstOfTask1());
    fakes.push(apiFake, workerFake);
    // No periodic reconciler: it would re-queue the task too, eventually; the resume must do it.
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH: 'off', BULLMQ_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '200', RECONCILE_MS: '0' };
    const api = spawnBaton({ ...shared, ...modelEnv(apiFake), ROLE: 'api' }, 'api');
    await api.ready; // migrates the database before the worker starts
    let n = 0;
    const startWorker = () => spawnBaton({ ...shared, ...modelEnv(workerFake), ROLE: 'worker' }, `worker-${++n}`);
    let worker = startWorker();
    await worker.ready;
    await pauseKillResume(
      () => api,
      workerFake,
      async () => {
        expect((await worker.kill('SIGKILL')).signal).toBe('SIGKILL');
        worker = startWorker();
        await worker.ready;
        // The killed worker's job stalls and is taken over after a lock duration; its claim is refused (PAUSED).
        await sleep(3000);
      },
    );
    expect(apiFake.requests).toEqual([]);
  }, 180_000);
});
