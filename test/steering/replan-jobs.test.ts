import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { modelEnv } from '../support/planning-jobs.ts';
import { type BatonProcess, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, spawnBaton, until } from '../support/processes.ts';
import { promptText, taskOf } from '../support/prompt.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';
import { gqlTo } from './process-flow.ts';

/**
 * replanWorkflow is a planning job (issues #14 and #17): the mutation records the request and
 * returns; the orchestrator's call runs where tasks run, is recovered after a kill -9 like the
 * first planning, and a ROLE=api process makes none. Baton child processes, each process's model
 * calls counted by its own fake provider.
 */
const TASKS = [
  { key: '1', agent: 'backend', description: 'Design the API' },
  { key: '2', agent: 'frontend', description: 'Build the UI with the broken widget kit', dependsOn: ['1'] },
];
const REPLACEMENT = 'Task 2: @frontend - Build the UI with plain HTML forms (depends on Task 1)';
const REPLAN = 'mutation($id: ID!, $f: String) { replanWorkflow(id: $id, feedback: $f, autoStart: true) { id status } }';

/** The replan hangs on its first call when the feedback says so (the process is killed meanwhile) and is refused when it says so; task 2 fails until replaced. */
function script() {
  let hung = 0;
  return (req: FakeRequest): FakeBehaviour => {
    const text = promptText(req.body);
    if (text.includes('Replanning:')) {
      if (text.includes('refuse this replan')) return { status: 400, message: 'the orchestrator is down' };
      if (text.includes('hang once') && hung++ === 0) return { hang: true };
      return { content: REPLACEMENT };
    }
    if (text.includes('broken widget kit')) return { status: 400, message: 'the widget kit is broken' };
    const task = taskOf(req.body);
    return { content: `output of ${task?.request}/${task?.key}`, delayMs: 10 };
  };
}
const isReplan = (r: FakeRequest) => promptText(r.body).includes('Replanning:');

async function data(p: BatonProcess, query: string, variables: Record<string, unknown> = {}) {
  const r = await gqlTo(p, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}\n${p.output()}`);
  return r.data as any;
}
const workflowOf = async (p: BatonProcess, id: string) =>
  (await data(p, 'query($id: ID!) { workflow(id: $id) { status tasks { key status } } }', { id })).workflow as { status: string; tasks: Array<{ key: string; status: string }> };
const statusIs = (p: () => BatonProcess, id: string, status: string) =>
  until(async () => ((await workflowOf(p(), id)).status === status ? true : null), `the workflow to be ${status}`, 60_000, 100);
const kindsOf = async (p: BatonProcess, id: string) =>
  ((await data(p, 'query($id: ID!) { workflowEvents(workflowId: $id, first: 50) { kind ... on ReplanFailedEvent { code status } } }', { id })).workflowEvents as any[]).map((e) =>
    e.code ? `${e.kind}:${e.code}:${e.status}` : e.kind,
  );

/** A FAILED workflow (task 2 fails), through the process that takes the mutations. */
async function failedWorkflow(api: () => BatonProcess, request: string) {
  const created = await data(api(), 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', { input: { description: request, tasks: TASKS } });
  const id = created.createWorkflow.id as string;
  await data(api(), 'mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id });
  await statusIs(api, id, 'FAILED');
  return id;
}

/**
 * A refused replan leaves the workflow FAILED with replan_failed; a replan whose planning process
 * is killed mid-call is planned again by the restarted one, and the run completes.
 */
async function replanFlow(api: () => BatonProcess, fake: FakeOpenAI, killPlanner: () => Promise<void>) {
  const request = `replan job ${randomUUID().slice(0, 8)}`;
  const id = await failedWorkflow(api, request);

  const refused = await data(api(), REPLAN, { id, f: 'refuse this replan' });
  expect(refused.replanWorkflow.status).toBe('PLANNING');
  await statusIs(api, id, 'FAILED');
  expect((await kindsOf(api(), id)).slice(-3)).toEqual(['PLANNING', 'REPLAN_FAILED:PLANNING_FAILED:FAILED', 'FAILED']);

  const before = fake.requests.filter(isReplan).length;
  const r = await data(api(), REPLAN, { id, f: 'plain forms; hang once' });
  expect(r.replanWorkflow.status).toBe('PLANNING');
  await until(() => fake.requests.filter(isReplan).length === before + 1 || null, 'the replan call', 30_000);
  await killPlanner();
  await statusIs(api, id, 'COMPLETED');
  // The hung call, then the restarted planner's (its structured call and, refused that, the text one).
  expect(fake.requests.filter(isReplan).length).toBeGreaterThan(before + 1);
  const calls = (key: string) => fake.requests.filter((q) => taskOf(q.body)?.request === request && taskOf(q.body)?.key === key);
  expect(calls('1')).toHaveLength(1);
  expect((await workflowOf(api(), id)).tasks).toEqual([
    { key: '1', status: 'COMPLETED' },
    { key: '2', status: 'COMPLETED' },
  ]);
}

describe(`a replan is a planning job, recovered after kill -9 (embedded, ${testDialect})`, () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => fake?.close(),
      () => db?.drop(),
    ),
  );

  it('replan_failed on a refused call; a killed planning process leaves the replan to its restart', async () => {
    db = await createTestDatabase(testDialect);
    fake = await startFakeOpenAI(script());
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off', SHUTDOWN_GRACE_MS: '200' };
    let n = 0;
    let p = spawnBaton(env, `embedded-${++n}`);
    await p.ready;
    await replanFlow(
      () => p,
      fake,
      async () => {
        expect((await p.kill('SIGKILL')).signal).toBe('SIGKILL');
        p = spawnBaton(env, `embedded-${++n}`);
        await p.ready;
      },
    );
  }, 150_000);
});

const bullmq = testDialect === 'postgresql' && (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(bullmq)('a replan runs on a BullMQ worker; the ROLE=api process makes no model call (PostgreSQL + Redis)', () => {
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

  it('the worker replans (again after a kill -9); the API process only records the request', async () => {
    db = await createTestDatabase('postgresql');
    const apiFake = await startFakeOpenAI(script());
    const workerFake = await startFakeOpenAI(script());
    fakes.push(apiFake, workerFake);
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH: 'off', BULLMQ_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '200' };
    let n = 0;
    const api = spawnBaton({ ...shared, ...modelEnv(apiFake), ROLE: 'api' }, 'api');
    await api.ready; // migrates the database before the worker starts
    const startWorker = () => spawnBaton({ ...shared, ...modelEnv(workerFake), ROLE: 'worker' }, `worker-${++n}`);
    let worker = startWorker();
    await worker.ready;
    await replanFlow(
      () => api,
      workerFake,
      async () => {
        expect((await worker.kill('SIGKILL')).signal).toBe('SIGKILL');
        worker = startWorker();
        await worker.ready;
      },
    );
    expect(apiFake.requests).toEqual([]);
  }, 240_000);
});
