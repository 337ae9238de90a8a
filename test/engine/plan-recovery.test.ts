import { afterAll, describe, expect, it } from 'vitest';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { type BatonProcess, cleanUp, deleteRedisKeys, killAllBatons, sleep, spawnBaton, until } from '../support/processes.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';

/**
 * Planning is a job like a task: the process making the orchestrator's call may stop (SIGTERM)
 * or die (kill -9) mid-call, and another process (or the restart) plans the workflow again; the
 * autoStarted run then completes. A ROLE=api process never calls a model.
 */
const PLAN = {
  tasks: [
    { number: 1, agent: 'backend', description: 'Create the User model', dependsOn: [] },
    { number: 2, agent: 'qa', description: 'Test the User model', dependsOn: [1] },
  ],
};
const isPlanning = (r: FakeRequest) => Boolean(r.body?.response_format || r.body?.tools);

/** The orchestrator's calls hang until the `answerFrom`-th, which gets the plan; task calls answer at once. */
function planningScript(answerFrom: number) {
  let plans = 0;
  return (req: FakeRequest): FakeBehaviour => {
    if (!isPlanning(req)) return { content: 'done' };
    plans++;
    return plans < answerFrom ? { hang: true } : { json: PLAN };
  };
}

async function gql(p: BatonProcess, query: string, variables: Record<string, unknown> = {}) {
  const url = await until(() => /GraphiQL at (\S+)/.exec(p.output())?.[1], `${p.name}'s URL`, 10_000);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (!body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}
const planWorkflow = async (p: BatonProcess) =>
  (await gql(p, 'mutation { planWorkflow(input: {request: "A user model, tested", autoStart: true}) { id } }')).planWorkflow.id as string;
const statusOf = async (p: BatonProcess, id: string) =>
  (await gql(p, 'query($id: ID!) { workflow(id: $id) { status tasks { status } } }', { id })).workflow as { status: string; tasks: Array<{ status: string }> };

// An openai: model's endpoint is OPENAI_BASE_URL (LLM_BASE_URL is openai-compatible's).
const modelEnv = (fake: FakeOpenAI) => ({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy', RETRY_BASE_MS: '10', RETRY_MAX_MS: '50' });
const planCalls = (fake: FakeOpenAI) => fake.requests.filter(isPlanning).length;

describe.runIf(testDialect === 'sqlite')('planning survives a kill -9 (embedded)', () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() => cleanUp(() => killAllBatons(), () => fake?.close(), () => db?.drop()));

  it('the restart plans the workflow again and the autoStarted run completes', async () => {
    db = await createTestDatabase('sqlite');
    fake = await startFakeOpenAI(planningScript(2));
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off' };
    const first = spawnBaton(env, 'embedded-1');
    await first.ready;
    const id = await planWorkflow(first);
    await until(() => planCalls(fake) === 1, 'the first planning call', 30_000);
    await first.kill('SIGKILL');
    const second = spawnBaton(env, 'embedded-2');
    await second.ready;
    await until(async () => (await statusOf(second, id)).status === 'COMPLETED', 'the workflow to complete', 60_000, 200);
    expect(planCalls(fake)).toBe(2);
    expect((await statusOf(second, id)).tasks.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED']);
  }, 150_000);
});

const redisMode = testDialect === 'postgresql' && (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(redisMode)('planning survives SIGTERM and kill -9 of its worker (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  const fakes: FakeOpenAI[] = [];
  const prefix = testRedisPrefix();
  afterAll(() => cleanUp(() => killAllBatons(), ...fakes.map((f) => () => f.close()), () => deleteRedisKeys(REDIS_TEST_URL, prefix), () => db?.drop()));

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
