import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
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
  const wfSql = 'SELECT id, input_tokens AS input, output_tokens AS output, cost_usd AS cost FROM workflows WHERE description = $1';
  const callSql = 'SELECT id, input_tokens AS input, output_tokens AS output, cost_usd AS cost, estimated FROM model_calls WHERE workflow_id = $1 ORDER BY id';
  type Row = Record<string, unknown>;
  let wf: Row;
  let calls: Row[];
  if (env.SQLITE_PATH) {
    const db = new Database(env.SQLITE_PATH, { readonly: true });
    try {
      wf = db.prepare(wfSql.replace('$1', '?')).get(request) as Row;
      calls = db.prepare(callSql.replace('$1', '?')).all(wf.id) as Row[];
    } finally {
      db.close();
    }
  } else {
    const c = new pg.Client({ connectionString: env.DATABASE_URL });
    await c.connect();
    try {
      wf = (await c.query(wfSql, [request])).rows[0];
      calls = (await c.query(callSql, [wf.id])).rows;
    } finally {
      await c.end();
    }
  }
  return {
    totals: { input: Number(wf.input), output: Number(wf.output), cost: Number(wf.cost) },
    calls: calls.map((r) => ({ id: String(r.id), input: Number(r.input), output: Number(r.output), cost: Number(r.cost), estimated: Boolean(r.estimated) })),
  };
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
    (await data('query($id: ID!) { workflow(id: $id) { status usage { inputTokens outputTokens totalTokens costUsd estimated calls } } }', { id })).workflow;
  const mine = () => o.fake.requests.filter((r) => taskOf(r.body)?.request === request);

  await data('mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id });
  // Both calls have recorded a part (the periodic record, a second into each stream), and are still streaming.
  const seen = await until(async () => ((w) => (w.usage.calls === 2 ? w : null))(await workflow()), 'both calls to record a part', 20_000, 50);
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
  }, 120_000);
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
  }, 120_000);
});
