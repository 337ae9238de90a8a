import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { isPlanning, modelEnv } from '../support/planning-jobs.ts';
import { cleanUp, deleteRedisKeys, killAllBatons, redisKeys, sleep, spawnBaton, until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testRedisPrefix } from '../support/services.ts';
import { gqlTo } from '../steering/process-flow.ts';

/**
 * Issue #15's budget across BullMQ workers: an API process and two workers (ROLE=worker) on one
 * PostgreSQL database and one Redis prefix, each worker on its own fake provider (so a call says
 * which worker made it). Ten parallel tasks, five on each worker, stream slowly; one budget holds
 * across both: every call stops within a chunk of the limit. PostgreSQL project only.
 */
const available = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));
if (!available && !process.env.CI) console.log('[usage] PostgreSQL or Redis unreachable: skipped');

const AGENTS = ['backend', 'frontend', 'qa', 'devops'];
const TEN = { tasks: Array.from({ length: 10 }, (_, i) => ({ number: i + 1, agent: AGENTS[i % 4], description: `Part ${i + 1}`, dependsOn: [] })) };
const WORDS = 300;
const longAnswer = (key: string) => Array.from({ length: WORDS }, (_, i) => `w${key}x${i}`).join(' ');
/** The orchestrator's call gets the ten-task plan; a task's call streams 300 words, one every 25 ms. */
const script = (req: FakeRequest): FakeBehaviour => (isPlanning(req) ? { json: TEN } : { content: longAnswer(taskOf(req.body)?.key ?? 'x'), chunkDelayMs: 25 });
const USAGE = 'usage { inputTokens outputTokens totalTokens costUsd estimated calls }';

describe.runIf(available || process.env.CI)('one budget across two BullMQ workers (PostgreSQL + Redis)', () => {
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

  it('STOP with ten calls in flight on two workers: FAILED BUDGET_EXCEEDED, every call aborted within a chunk, nothing starts after', async () => {
    db = await createTestDatabase('postgresql');
    const [apiFake, fakeA, fakeB] = await Promise.all([startFakeOpenAI(script), startFakeOpenAI(script), startFakeOpenAI(script)]);
    fakes.push(apiFake, fakeA, fakeB);
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, AUTH: 'off', BULLMQ_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '200' };
    const api = spawnBaton({ ...shared, ...modelEnv(apiFake), ROLE: 'api' }, 'api');
    await api.ready; // migrates the database before the workers start
    // Five tasks at most on each worker: ten parallel tasks keep both busy.
    const workers = [fakeA, fakeB].map((f, i) => spawnBaton({ ...shared, ...modelEnv(f), ROLE: 'worker', MAX_CONCURRENCY: '5', AGENT_CONCURRENCY: '5' }, `worker-${i + 1}`));
    await Promise.all(workers.map((w) => w.ready));
    const data = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await gqlTo(api, query, variables);
      expect(r.errors, api.output()).toBeUndefined();
      return r.data as any;
    };

    const request = `budget-bullmq ${randomUUID().slice(0, 8)}`;
    const max = 6500; // ten prompts (~420 tokens each), then about 200 tokens of each answer
    // Planned on a worker: the planning call's usage is stored before any task runs, so the shared counter is seeded with it.
    const { id } = (
      await data(`mutation($r: String!, $b: BudgetInput) { planWorkflow(input: { request: $r, autoStart: true, budget: $b }) { id } }`, { r: request, b: { maxTokens: max } })
    ).planWorkflow;
    const workflow = async () => (await data(`query($id: ID!) { workflow(id: $id) { status error ${USAGE} tasks { key status ${USAGE} } } }`, { id })).workflow;
    const done = await until(async () => ((w) => (['FAILED', 'COMPLETED', 'PAUSED'].includes(w.status) ? w : null))(await workflow()), 'the run to end', 60_000, 100);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatch(/^BUDGET_EXCEEDED: /);

    // Both workers had calls in flight, and both fake providers saw them aborted.
    const mine = (f: FakeOpenAI) => f.requests.filter((r) => taskOf(r.body)?.request === request);
    await Promise.all([fakeA.onAbort(1), fakeB.onAbort(1)]);
    expect(mine(fakeA).length).toBeGreaterThan(0);
    expect(mine(fakeB).length).toBeGreaterThan(0);
    expect(mine(fakeA).length + mine(fakeB).length).toBe(10);
    expect(apiFake.requests).toEqual([]);

    // The usage settles once the aborted calls have recorded what they counted.
    let w = done;
    for (let i = 0; ; i++) {
      await sleep(200);
      const now = await workflow();
      if (now.usage.totalTokens === w.usage.totalTokens && now.usage.calls === w.usage.calls) break;
      if (i > 50) throw new Error('usage never settled');
      w = now;
    }
    const inFlight = w.tasks.filter((t: { status: string }) => t.status === 'CANCELLED').length;
    // The limit was crossed mid-stream: every task's call had streamed part of its answer, none finished.
    expect(inFlight).toBe(10);
    for (const t of w.tasks) expect(t.usage.outputTokens).toBeGreaterThan(0);
    expect(w.usage.totalTokens).toBeGreaterThan(max);
    // One chunk (a word: at most 3 tokens) or one usage report per call in flight past the limit.
    expect(w.usage.totalTokens).toBeLessThanOrEqual(max + inFlight * 40);
    expect(w.usage.calls).toBe(11); // the planning call and ten task calls
    const taskSum = w.tasks.reduce((s: number, t: { usage: { totalTokens: number } }) => s + t.usage.totalTokens, 0);
    expect(taskSum).toBeLessThan(w.usage.totalTokens); // the planning call counts toward the workflow only

    // The shared counter was seeded with the stored usage (the planning call's) and holds every call's count.
    const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const keys = await redisKeys(REDIS_TEST_URL, `${prefix}usage:`);
      expect(keys).toHaveLength(1); // this prefix's only workflow
      const live = await redis.hgetall(keys[0]!);
      expect(Number(live.i) + Number(live.o)).toBe(w.usage.totalTokens);
    } finally {
      redis.disconnect();
    }

    // Nothing starts after the stop: no later request, no task_started after budget_exceeded.
    const before = fakeA.requests.length + fakeB.requests.length;
    await sleep(500);
    expect(fakeA.requests.length + fakeB.requests.length).toBe(before);
    const events = (await data(`query($id: ID!) { workflowEvents(workflowId: $id, first: 1000) { kind } }`, { id })).workflowEvents.map((e: { kind: string }) => e.kind);
    expect(events.filter((k: string) => k === 'TASK_STARTED')).toHaveLength(10);
    expect(events.filter((k: string) => k === 'BUDGET_EXCEEDED')).toHaveLength(1); // decided once, whichever worker crossed first
    expect(events.slice(events.indexOf('BUDGET_EXCEEDED'))).not.toContain('TASK_STARTED');
    expect(events.at(-1)).toBe('FAILED');
  }, 180_000);
});
