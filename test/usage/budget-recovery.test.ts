import { randomUUID } from 'node:crypto';
import { knex } from '@mikro-orm/knex';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { modelEnv } from '../support/planning-jobs.ts';
import { type BatonProcess, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, spawnBaton, until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';
import { gqlTo } from '../steering/process-flow.ts';

/**
 * Usage survives a kill -9 (issue #15): calls that stream slowly record what they have counted
 * every second; the process running them is killed; the usage recorded before the kill is in the
 * database untouched, the restart runs the interrupted tasks again, and the finished run's total is
 * the sum of every call made (the killed calls' recorded parts plus the new calls' provider usage).
 * One Baton process (SQLite file or PostgreSQL) with no budget, and an API process with a BullMQ
 * worker (PostgreSQL + Redis), the worker killed, with a budget (its calls count on the Redis total).
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[usage] PostgreSQL unreachable: skipped');

/** The fake provider's own token count (test/support/fake-openai.ts). */
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));
const slowAnswer = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
const quickAnswer = (key: string) => `quick answer to task ${key}`;

/** Before the kill every call streams slowly (400 words, one each 25 ms); after it, calls answer at once. */
function script() {
  const s = { killed: false };
  const respond = (req: FakeRequest): FakeBehaviour => (s.killed ? { content: quickAnswer(taskOf(req.body)?.key ?? '?'), delayMs: 10 } : { content: slowAnswer, chunkDelayMs: 25 });
  return { s, respond };
}

interface Stored {
  totals: { input: number; output: number; cost: number };
  calls: Array<{ id: string; input: number; output: number; cost: number; estimated: boolean }>;
}

/** The workflow's usage as the database holds it, read directly (the Baton process may be dead). */
async function storedUsage(env: Record<string, string>, request: string): Promise<Stored> {
  const db = env.SQLITE_PATH
    ? knex({ client: 'better-sqlite3', connection: { filename: env.SQLITE_PATH }, useNullAsDefault: true })
    : knex({ client: 'pg', connection: env.DATABASE_URL });
  try {
    const wf = await db('workflows').where({ description: request }).first('id', 'input_tokens', 'output_tokens', 'cost_usd');
    const calls = await db('model_calls').where({ workflow_id: wf.id }).orderBy('id').select('id', 'input_tokens', 'output_tokens', 'cost_usd', 'estimated');
    return {
      totals: { input: Number(wf.input_tokens), output: Number(wf.output_tokens), cost: Number(wf.cost_usd) },
      calls: calls.map((r: Record<string, unknown>) => ({
        id: String(r.id),
        input: Number(r.input_tokens),
        output: Number(r.output_tokens),
        cost: Number(r.cost_usd),
        estimated: Boolean(r.estimated),
      })),
    };
  } finally {
    await db.destroy();
  }
}

const sum = (calls: Stored['calls']) => calls.reduce((s, c) => ({ input: s.input + c.input, output: s.output + c.output }), { input: 0, output: 0 });

/**
 * Tasks 1 and 2 stream slowly in parallel, 3 waits for both. Once both calls have recorded a part,
 * `kill` kills the process running them; `restart` brings it back; the run completes.
 */
async function killMidStream(o: {
  api: () => BatonProcess;
  env: Record<string, string>;
  fake: FakeOpenAI;
  s: { killed: boolean };
  /** A budget never reached: the calls then count on the live total and check it on every chunk. */
  budget?: { maxTokens: number };
  kill(): Promise<void>;
  restart(): Promise<void>;
}) {
  const request = `usage-kill ${randomUUID().slice(0, 8)}`;
  const data = async (query: string, variables: Record<string, unknown>) => {
    const r = await gqlTo(o.api(), query, variables);
    expect(r.errors, o.api().output()).toBeUndefined();
    return r.data as any;
  };
  const { id } = (
    await data('mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', {
      input: {
        description: request,
        tasks: [
          { key: '1', agent: 'backend', description: 'Slow one' },
          { key: '2', agent: 'frontend', description: 'Slow two' },
          { key: '3', agent: 'qa', description: 'After both', dependsOn: ['1', '2'] },
        ],
        budget: o.budget ?? null,
      },
    })
  ).createWorkflow;
  const workflow = async () =>
    (await data('query($id: ID!) { workflow(id: $id) { status usage { inputTokens outputTokens totalTokens costUsd estimated calls } tasks { usage { outputTokens } } } }', { id }))
      .workflow;
  const mine = () => o.fake.requests.filter((r) => taskOf(r.body)?.request === request);

  await data('mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id });
  // Both calls have recorded part of their answer (the periodic record, every second of a stream), and are still streaming.
  const streaming = (w: any) => w.usage.calls === 2 && w.tasks.filter((t: any) => t.usage.outputTokens > 0).length === 2;
  const seen = await until(async () => ((w) => (streaming(w) ? w : null))(await workflow()), 'both calls to record part of their answer', 20_000, 50);
  expect(seen.status).toBe('EXECUTING');
  expect(seen.usage.outputTokens).toBeGreaterThan(0);
  const killedCalls = mine().length;
  expect(killedCalls).toBe(2);
  o.s.killed = true;
  await o.kill();

  // What was recorded before the kill is in the database: at least what the API showed, in two call rows that add up to the totals.
  const before = await storedUsage(o.env, request);
  expect(before.calls).toHaveLength(2);
  expect(before.totals.input + before.totals.output).toBeGreaterThanOrEqual(seen.usage.totalTokens);
  expect(sum(before.calls)).toEqual({ input: before.totals.input, output: before.totals.output });
  for (const c of before.calls) expect(c.estimated).toBe(true); // cut off before the provider's report

  await o.restart();
  await until(async () => ((await workflow()).status === 'COMPLETED' ? true : null), 'the run to complete', 60_000, 100);
  const done = await workflow();
  const after = await storedUsage(o.env, request);

  // The killed calls' rows are untouched; every new call added its provider-reported usage, nothing else.
  const newCalls = mine().slice(killedCalls);
  expect(newCalls.map((r) => taskOf(r.body)!.key).sort()).toEqual(['1', '2', '3']);
  const reported = newCalls.reduce((s, r) => ({ input: s.input + tokens(JSON.stringify(r.body.messages)), output: s.output + tokens(quickAnswer(taskOf(r.body)!.key)) }), {
    input: 0,
    output: 0,
  });
  for (const c of before.calls) expect(after.calls.find((x) => x.id === c.id)).toEqual(c);
  expect(after.totals.input).toBe(before.totals.input + reported.input);
  expect(after.totals.output).toBe(before.totals.output + reported.output);
  expect(sum(after.calls)).toEqual({ input: after.totals.input, output: after.totals.output });
  expect(after.totals.cost).toBeGreaterThan(before.totals.cost);
  // Through GraphQL: the same totals, and one call counted per request the provider received.
  expect(done.usage).toMatchObject({ inputTokens: after.totals.input, outputTokens: after.totals.output, calls: mine().length, estimated: true });
  expect(mine()).toHaveLength(5);
}

describe.runIf(pgOk || process.env.CI)(`usage across a kill -9 (one process, ${testDialect})`, () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => fake?.close(),
      () => db?.drop(),
    ),
  );

  it('the usage recorded before the kill stays, and the finished run adds every new call', async () => {
    db = await createTestDatabase();
    const { s, respond } = script();
    fake = await startFakeOpenAI(respond);
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off' };
    let baton = spawnBaton(env, 'baton-1');
    await baton.ready;
    await killMidStream({
      api: () => baton,
      env: db.env,
      fake,
      s,
      async kill() {
        expect((await baton.kill('SIGKILL')).signal).toBe('SIGKILL');
      },
      async restart() {
        baton = spawnBaton(env, 'baton-2');
        await baton.ready;
      },
    });
  }, 180_000);
});

const bullmq = testDialect === 'postgresql' && (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(bullmq)('usage across a kill -9 of a BullMQ worker (PostgreSQL + Redis)', () => {
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

  it('the usage recorded before the worker died stays, and the run a new worker finishes adds every new call', async () => {
    db = await createTestDatabase('postgresql');
    const { s, respond } = script();
    const [apiFake, workerFake] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(respond)]);
    fakes.push(apiFake, workerFake);
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH: 'off', BULLMQ_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '200' };
    const api = spawnBaton({ ...shared, ...modelEnv(apiFake), ROLE: 'api' }, 'api');
    await api.ready; // migrates the database before the worker starts
    let n = 0;
    const startWorker = () => spawnBaton({ ...shared, ...modelEnv(workerFake), ROLE: 'worker' }, `worker-${++n}`);
    let worker = startWorker();
    await worker.ready;
    await killMidStream({
      api: () => api,
      env: db.env,
      fake: workerFake,
      s,
      budget: { maxTokens: 1_000_000 },
      async kill() {
        expect((await worker.kill('SIGKILL')).signal).toBe('SIGKILL');
      },
      async restart() {
        worker = startWorker();
        await worker.ready;
      },
    });
    expect(apiFake.requests).toEqual([]);
  }, 180_000);
});
