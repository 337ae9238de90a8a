import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { AUTH_TASKS, waitForStatus } from '../support/app.ts';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { type BatonProcess, buildApiApp, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, spawnBaton, until } from '../support/processes.ts';
import { countByTask, taskId, taskOf } from '../support/prompt.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';

/**
 * Crash recovery with Baton as a child process (`node --import tsx src/main.ts`).
 * On BATON_TEST_DB=sqlite: embedded mode (SQLite file, in-process queue).
 * On BATON_TEST_DB=postgresql: PostgreSQL with Redis and BullMQ workers (or the
 * in-process queue if Redis is unreachable outside CI).
 * This test process is the API side: it creates and starts the workflows on the
 * same database (and queue) through its own app, which runs no task itself.
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const redisOk = testDialect === 'postgresql' && pgOk ? await serviceAvailable('redis') : false;
const mode = testDialect === 'sqlite' ? 'embedded (SQLite file)' : redisOk ? 'PostgreSQL + Redis/BullMQ' : 'PostgreSQL, in-process queue';

describe.runIf(pgOk)(`recovery after kill -9 and SIGTERM, ${mode}`, () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  let api: App;
  let env: Record<string, string>;
  const prefix = testRedisPrefix();
  /** Per-request behaviour by prompt; the default answers in 150–300 ms. */
  let special: (req: FakeRequest) => FakeBehaviour | null = () => null;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await startFakeOpenAI((req) => {
      const s = special(req);
      if (s) return s;
      return { content: `done: ${taskId(req.body) ?? '?'}`, delayMs: 150 + Math.floor(Math.random() * 150) };
    });
    const queue: Record<string, string> = redisOk ? { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, BULLMQ_LOCK_MS: '2000' } : {};
    env = {
      ...db.env,
      ...queue,
      ROLE: 'worker',
      LLM_MODEL: 'openai:gpt-4o-mini',
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'dummy',
      RETRY_BASE_MS: '10',
      RETRY_MAX_MS: '50',
      SHUTDOWN_GRACE_MS: '500',
    };
    // Also migrates the database before any child starts.
    api = await buildApiApp({ ...db.env, ...queue });
  });

  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => api?.stop(),
      () => fake?.close(),
      async () => {
        if (!redisOk) return;
        await deleteRedisKeys(REDIS_TEST_URL, prefix);
        expect(await redisKeys(REDIS_TEST_URL, prefix)).toEqual([]);
      },
      () => db?.drop(),
    ),
  );

  const taskRows = async (ids: string[]) =>
    (await api.services.db
      .knex('tasks as t')
      .join('workflows as w', 'w.id', 't.workflow_id')
      .whereIn('t.workflow_id', ids)
      .select('t.workflow_id as workflowId', 'w.description as request', 't.key as key', 't.status as status')) as Array<{
      workflowId: string;
      request: string;
      key: string;
      status: string;
    }>;

  // One flow in two steps, so that it needs three process starts rather than four (a start costs
  // seconds here): the SIGTERM workflow is created with the three others, before the first start,
  // because an embedded process only runs what it finds at start or creates itself.
  const run = randomUUID().slice(0, 8);
  const requests = ['A', 'B', 'C'].map((n) => `kill9 ${run} workflow ${n}`);
  const ids: string[] = [];
  const sigtermRequest = `sigterm ${run}`;
  let sigtermId = '';
  /** Tasks 2 and 3 of the SIGTERM workflow hang until this is false. */
  let hang = true;
  let second: BatonProcess | undefined;
  let requestsAtSecondStart = 0;
  const callsOf = (request: string, key: string, from = 0) => fake.requests.slice(from).filter((r) => taskId(r.body) === `${request}/${key}`).length;

  it('kill -9 with three workflows mid-run, then a restart: all three complete, and no completed task calls its model again', async () => {
    special = (req) => {
      const t = taskOf(req.body);
      if (t?.request !== sigtermRequest || t.key === '1') return null;
      return hang ? { hang: true } : { content: `done: ${t.key}` };
    };
    for (const description of requests) ids.push(await api.services.workflows.create('default', { description, tasks: AUTH_TASKS }));
    sigtermId = await api.services.workflows.create('default', {
      description: sigtermRequest,
      tasks: [
        { key: '1', agent: 'backend', description: 'model' },
        { key: '2', agent: 'backend', description: 'endpoint', dependsOn: ['1'] },
        { key: '3', agent: 'frontend', description: 'form' },
      ],
    });
    for (const id of [...ids, sigtermId]) await api.services.workflows.start('default', id);

    const first = spawnBaton(env, 'baton-1');
    // Mid-run: every workflow has completed a task, some task is running, none has finished.
    await until(
      async () => {
        if (!first.alive()) throw new Error(`baton-1 exited early:\n${first.output()}`);
        const rows = await taskRows(ids);
        const done = (id: string) => rows.filter((r) => r.workflowId === id && r.status === 'COMPLETED').length;
        return ids.every((id) => done(id) >= 1 && done(id) < 8) && rows.some((r) => r.status === 'RUNNING');
      },
      'every workflow to be mid-run',
      30_000,
      10,
    );
    const exit = await first.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    // What the database holds now is what was committed before the kill.
    const atKill = await taskRows(ids);
    const key = (r: { request: string; key: string }) => `${r.request}/${r.key}`;
    const completedAtKill = atKill.filter((r) => r.status === 'COMPLETED').map(key);
    const runningAtKill = atKill.filter((r) => r.status === 'RUNNING').map(key);
    const requestsAtKill = fake.requests.length;
    expect(completedAtKill.length).toBeGreaterThanOrEqual(3);
    expect(completedAtKill.length).toBeLessThan(24);
    for (const id of ids) expect(await api.engine.store.status(id)).toBe('EXECUTING');
    const countsAtKill = countByTask(fake.requests);
    for (const k of completedAtKill) expect(countsAtKill.get(k)).toBe(1);

    requestsAtSecondStart = fake.requests.length;
    const restartAt = Date.now();
    let startMs = 0;
    second = spawnBaton(env, 'baton-2');
    void second.ready.then(
      () => (startMs = Date.now() - restartAt),
      () => {},
    );
    for (const id of ids) {
      const status = await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 40_000).catch((e) => {
        throw new Error(`${String(e)}\nbaton-2 output:\n${second!.output()}`);
      });
      expect(status).toBe('COMPLETED');
    }

    // The provider's count: no task whose completion was committed before the kill called its model again.
    const afterRestart = fake.requests.slice(requestsAtKill).map((r) => taskId(r.body));
    for (const k of completedAtKill) expect(afterRestart).not.toContain(k);
    const counts = countByTask(fake.requests);
    for (const k of completedAtKill) expect(counts.get(k)).toBe(1);
    // Tasks that were running when the process died ran again after the restart.
    for (const k of runningAtKill) expect(afterRestart).toContain(k);
    // Every task of the three ran, and ended COMPLETED.
    for (const r of requests) for (const t of AUTH_TASKS) expect(counts.get(`${r}/${t.key}`) ?? 0).toBeGreaterThanOrEqual(1);
    expect((await taskRows(ids)).every((r) => r.status === 'COMPLETED')).toBe(true);

    for (const id of ids) {
      // The event log survived the crash without a gap or a duplicate, and ends with the results.
      const events = await api.services.workflows.eventsAfter('default', id, 0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)!.kind).toBe('completed');
      expect((events.at(-1)!.payload as { results: { tasks: unknown[] } }).results.tasks).toHaveLength(8);
      expect(events.filter((e) => e.kind === 'task_completed')).toHaveLength(8);
    }
    console.log(
      `[recovery/${mode}] at the kill: ${completedAtKill.length} of 24 tasks completed, ${runningAtKill.length} running; ` +
        `${afterRestart.filter((k) => k?.startsWith('kill9')).length} model calls after the restart, none for a completed task; ` +
        `the restarted process was up in ${startMs} ms and finished the three in ${Date.now() - restartAt} ms`,
    );
  }, 90_000);

  it('SIGTERM: the process stops within its grace period; what it did not finish runs at the next start', async () => {
    expect(second?.alive(), 'the process started by the kill -9 test').toBe(true);
    // The restarted process runs the SIGTERM workflow's tasks 2 and 3, which hang at the provider.
    await until(
      () => callsOf(sigtermRequest, '2', requestsAtSecondStart) === 1 && callsOf(sigtermRequest, '3', requestsAtSecondStart) === 1,
      'tasks 2 and 3 to call the model',
      30_000,
      10,
    );
    const abortsBefore = fake.abortedCount;
    const stopAt = Date.now();
    const exit = await second!.kill('SIGTERM');
    const stopMs = Date.now() - stopAt;
    expect(exit.code, second!.output()).toBe(0);
    // It gave the running tasks their 500 ms, then aborted their calls and exited.
    expect(stopMs).toBeGreaterThanOrEqual(450);
    expect(stopMs).toBeLessThan(500 + 2500);
    await fake.onAbort(abortsBefore + 2);

    // Handed back, not failed: the task that finished stays COMPLETED, the others wait to run again.
    const rows = Object.fromEntries((await taskRows([sigtermId])).map((r) => [r.key, r.status]));
    expect(rows).toEqual({ '1': 'COMPLETED', '2': 'READY', '3': 'READY' });
    expect(await api.engine.store.status(sigtermId)).toBe('EXECUTING');
    const events = await api.services.workflows.eventsAfter('default', sigtermId, 0);
    expect(events.filter((e) => e.kind === 'task_failed' || e.kind === 'task_retrying')).toEqual([]);

    hang = false;
    const requestsAtThirdStart = fake.requests.length;
    const third = spawnBaton(env, 'baton-3');
    expect(await waitForStatus(api, sigtermId, ['COMPLETED', 'FAILED', 'CANCELLED'], 30_000)).toBe('COMPLETED');
    // Task 1, completed before the SIGTERM, did not run again; 2 and 3 ran once more, in the new process.
    expect(['1', '2', '3'].map((k) => callsOf(sigtermRequest, k, requestsAtThirdStart))).toEqual([0, 1, 1]);
    console.log(`[recovery/${mode}] SIGTERM with 500 ms grace: exited in ${stopMs} ms`);
    expect((await third.kill('SIGTERM')).code).toBe(0);
  }, 60_000);
});
