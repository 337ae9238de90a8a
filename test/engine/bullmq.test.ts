import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { connectionFromUrl } from '../../src/engine/bullmq-dispatcher.ts';
import { AUTH_TASKS, waitForStatus } from '../support/app.ts';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { type BatonProcess, buildApiApp, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, sleep, spawnBaton, until } from '../support/processes.ts';
import { promptText, taskId, taskOf } from '../support/prompt.ts';
import { refuseEvents } from '../support/refuse-events.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';

/**
 * Production mode across processes: PostgreSQL + Redis, this test process as the
 * API (it creates, starts and cancels workflows; it runs no task) and TWO worker
 * child processes (ROLE=worker). Each worker talks to its own fake provider, so
 * every model call says which worker made it.
 *
 * A PostgreSQL suite: it runs with BATON_TEST_DB=postgresql (the postgresql
 * project of the vitest config), not a second time on the SQLite run.
 */
if (testDialect !== 'postgresql') throw new Error('bullmq.test.ts runs in the postgresql project (BATON_TEST_DB=postgresql) only');
const available = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

type Worker = 'A' | 'B';
const DEPS = 20;
const RACE_WORKFLOWS = 50;
/** Race workflows in flight at once; each worker runs up to 10 × this many tasks, so all 20 dependencies of a workflow can be in flight together. */
const RACE_BATCH = 5;
/** BullMQ lock duration of the workers. */
const LOCK_MS = 3000;

describe.runIf(available)('BullMQ: one API process and two worker processes on PostgreSQL + Redis', () => {
  let db: TestDatabase;
  let api: App;
  const prefix = testRedisPrefix();
  const fakes = {} as Record<Worker, FakeOpenAI>;
  const workers = {} as Record<Worker, BatonProcess>;
  /** What the providers answer; both share it and pass which worker asked. */
  let respond: (req: FakeRequest, worker: Worker) => FakeBehaviour | Promise<FakeBehaviour> = () => ({ content: 'ok' });
  let workerEnv: (w: Worker) => Record<string, string>;

  /** Every task request, with the worker that made it. */
  const calls = () =>
    (['A', 'B'] as const)
      .flatMap((w) => fakes[w].requests.map((r) => ({ worker: w, time: r.time, id: taskId(r.body), task: taskOf(r.body), body: r.body })))
      .sort((x, y) => x.time - y.time);

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    for (const w of ['A', 'B'] as const) fakes[w] = await startFakeOpenAI((req) => respond(req, w));
    const shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix };
    api = await buildApiApp(shared); // migrates the database first
    workerEnv = (w) => ({
      ...shared,
      ROLE: 'worker',
      LLM_MODEL: 'openai:gpt-4o-mini',
      OPENAI_BASE_URL: fakes[w].url,
      OPENAI_API_KEY: 'dummy',
      // A killed worker's job moves to the other worker a few seconds later. (Much shorter locks can
      // expire while a loaded worker is busy, and BullMQ then hands a live job to the other worker.)
      BULLMQ_LOCK_MS: String(LOCK_MS),
      MAX_CONCURRENCY: String(10 * RACE_BATCH),
      AGENT_CONCURRENCY: String(10 * RACE_BATCH),
      RETRY_BASE_MS: '10',
      RETRY_MAX_MS: '50',
    });
    for (const w of ['A', 'B'] as const) workers[w] = spawnBaton(workerEnv(w), `worker-${w}`);
    await Promise.all([workers.A.ready, workers.B.ready]);
  });

  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => api?.stop(),
      ...Object.values(fakes).map((f) => () => f.close()),
      async () => {
        await deleteRedisKeys(REDIS_TEST_URL, prefix);
        expect(await redisKeys(REDIS_TEST_URL, prefix)).toEqual([]);
      },
      () => db?.drop(),
    ),
  );

  /** A workflow's events and model calls, relative to its creation (for failure messages). */
  async function timeline(id: string, request: string) {
    const events = await api.services.workflows.eventsAfter('default', id, 0);
    const t0 = Date.parse(events[0]!.at);
    const ev = events.map((e) => {
      const p = e.payload as { key?: string; error?: string };
      return `${e.seq}:${e.kind}${p.key ? `:${p.key}` : ''}@${Date.parse(e.at) - t0}${p.error ? ` (${p.error})` : ''}`;
    });
    const reqs = calls()
      .filter((c) => c.task?.request === request)
      .map((c) => `${c.task!.key}@${c.worker}+${c.time - t0}`);
    return `events: ${ev.join(' ')}\nmodel calls: ${reqs.join(' ')}`;
  }

  async function jobCounts() {
    const queue = new Queue('baton-tasks', { connection: connectionFromUrl(REDIS_TEST_URL), prefix: `${prefix}bull` });
    try {
      return await queue.getJobCounts('active', 'delayed', 'wait', 'prioritized');
    } finally {
      await queue.close();
    }
  }

  const taskStatuses = async (id: string) => Object.fromEntries((await api.engine.store.tasks(id)).map((r) => [r.key, r.status]));

  /**
   * Starts a workflow whose task 2 depends on task 1 and whose first call of task 2 never answers;
   * resolves once that call is made, with the worker that made it (which also ran task 1).
   */
  async function hangContinued(label: string, tasks: Array<{ key: string; agent: string; description: string; dependsOn?: string[] }>) {
    const request = `${label} ${randomUUID().slice(0, 8)}`;
    let seen = 0;
    respond = (req) => {
      const t = taskOf(req.body);
      if (t?.request !== request) return { content: 'ok' };
      if (t.key === '2' && ++seen === 1) return { hang: true };
      return { content: `done: ${t.key}` };
    };
    const id = await api.services.workflows.create('default', { description: request, tasks });
    await api.services.workflows.start('default', id);
    const second = await until(() => calls().find((c) => c.task?.request === request && c.task.key === '2'), 'the call of task 2', 10_000, 5);
    const victim = second.worker;
    const survivor: Worker = victim === 'A' ? 'B' : 'A';
    return { request, id, victim, survivor };
  }

  it('runs auth DAGs to completion across both workers, every task exactly once', async () => {
    respond = (req) => ({ content: `done: ${taskId(req.body)}`, delayMs: 80 + Math.floor(Math.random() * 120) });
    const run = randomUUID().slice(0, 8);
    const requests = ['A', 'B', 'C'].map((n) => `auth ${run} ${n}`);
    const ids = await Promise.all(requests.map((description) => api.services.workflows.create('default', { description, tasks: AUTH_TASKS })));
    const began = Date.now();
    await Promise.all(ids.map((id) => api.services.workflows.start('default', id)));
    for (const id of ids) expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 30_000)).toBe('COMPLETED');
    const ms = Date.now() - began;

    const mine = calls().filter((c) => c.task && requests.includes(c.task.request));
    for (const r of requests) {
      for (const t of AUTH_TASKS)
        expect(
          mine.filter((c) => c.id === `${r}/${t.key}`),
          `${r}/${t.key}`,
        ).toHaveLength(1);
    }
    expect(mine).toHaveLength(24);
    const byWorker = { A: mine.filter((c) => c.worker === 'A').length, B: mine.filter((c) => c.worker === 'B').length };
    expect(byWorker.A).toBeGreaterThan(0);
    expect(byWorker.B).toBeGreaterThan(0);
    for (const id of ids) {
      const events = await api.services.workflows.eventsAfter('default', id, 0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.kind === 'task_started')).toHaveLength(8);
      expect(events.at(-1)!.kind).toBe('completed');
    }
    // Continued tasks' takeover jobs are gone with their tasks: nothing waits, runs or is due later.
    expect(await jobCounts()).toEqual({ active: 0, delayed: 0, wait: 0, prioritized: 0 });
    console.log(`[bullmq] 3 auth DAGs in ${ms} ms; model calls by worker: A ${byWorker.A}, B ${byWorker.B}`);
  });

  it('a start that fails to commit after its first tasks were queued: the workers run nothing; started again, it completes', async () => {
    respond = () => ({ content: 'ok', delayMs: 20 });
    // The queue gets the roots while the start's transaction is open; its last statement then fails.
    const allow = await refuseEvents(api.services.db, 'refuse_start', { kind: 'started' });
    const request = `early queue ${randomUUID().slice(0, 8)}`;
    const id = await api.services.workflows.create('default', {
      description: request,
      tasks: [
        { key: 'a', agent: '@backend', description: 'root a', dependsOn: [] },
        { key: 'b', agent: '@frontend', description: 'root b', dependsOn: [] },
        { key: 'c', agent: '@qa', description: 'after both', dependsOn: ['a', 'b'] },
      ],
    });
    try {
      await expect(api.services.workflows.start('default', id)).rejects.toThrow('refused for the test');
    } finally {
      await allow();
    }
    // The jobs ran in the workers (their claims waited for the start's lock) and claimed nothing.
    await until(async () => {
      const c = await jobCounts();
      return c.active + c.wait + c.prioritized + c.delayed === 0;
    }, 'the queued roots to be done with');
    await sleep(200); // a claim that wrongly went ahead would have called its model by now
    expect(await api.engine.store.status(id)).toBe('PLANNED');
    expect(await taskStatuses(id)).toEqual({ a: 'PENDING', b: 'PENDING', c: 'PENDING' });
    expect(calls().filter((c) => c.task?.request === request)).toEqual([]);
    await api.services.workflows.start('default', id);
    expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    expect(
      calls()
        .filter((c) => c.task?.request === request)
        .map((c) => c.task!.key)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it(`race: a sink after ${DEPS} dependencies that finish together across both workers runs exactly once (${RACE_WORKFLOWS} workflows)`, async () => {
    const run = randomUUID().slice(0, 8);
    // The providers hold every dependency's answer until all 20 of its workflow have arrived, then
    // answer them all at once: the 20 completions of one workflow race each other in both workers.
    const arrived = new Map<string, number>();
    const release = new Map<string, () => void>();
    const gate = new Map<string, Promise<void>>();
    const gateOf = (request: string) => {
      let g = gate.get(request);
      if (!g) gate.set(request, (g = new Promise<void>((r) => release.set(request, r))));
      return g;
    };
    respond = async (req) => {
      const t = taskOf(req.body);
      if (!t || t.key === 'sink') return { content: `sink of ${t?.request}` };
      const n = (arrived.get(t.request) ?? 0) + 1;
      arrived.set(t.request, n);
      const g = gateOf(t.request);
      if (n === DEPS) release.get(t.request)!();
      await g;
      return { content: `output of ${t.key}` };
    };
    const agents = ['backend', 'frontend', 'qa', 'devops'];
    const tasks = [
      ...Array.from({ length: DEPS }, (_, i) => ({ key: `d${i + 1}`, agent: agents[i % agents.length]!, description: `dependency ${i + 1}` })),
      { key: 'sink', agent: 'qa', description: 'gather all', dependsOn: Array.from({ length: DEPS }, (_, i) => `d${i + 1}`) },
    ];
    const requests = Array.from({ length: RACE_WORKFLOWS }, (_, i) => `race ${run} ${i}`);
    const ids: string[] = [];
    const began = Date.now();
    for (let i = 0; i < requests.length; i += RACE_BATCH) {
      const batch = requests.slice(i, i + RACE_BATCH);
      const batchIds = await Promise.all(batch.map((description) => api.services.workflows.create('default', { description, tasks })));
      await Promise.all(batchIds.map((id) => api.services.workflows.start('default', id)));
      for (const id of batchIds) expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 30_000)).toBe('COMPLETED');
      ids.push(...batchIds);
    }
    const ms = Date.now() - began;

    const mine = calls().filter((c) => c.task && requests.includes(c.task.request));
    let split = 0;
    for (const [i, r] of requests.entries()) {
      const sink = mine.filter((c) => c.id === `${r}/sink`);
      expect(sink, `sink of workflow ${i}`).toHaveLength(1);
      // The sink ran after all 20, with every output.
      const prompt = promptText(sink[0]!.body);
      const nonce = /<request nonce="([0-9a-f]+)">/.exec(prompt)?.[1];
      for (let d = 1; d <= DEPS; d++) {
        expect(prompt).toContain(`<dependency key="d${d}" agent="${agents[(d - 1) % agents.length]}" nonce="${nonce}">\noutput of d${d}\n</dependency nonce="${nonce}">`);
      }
      const deps = mine.filter((c) => c.task!.request === r && c.task!.key !== 'sink');
      // On a mismatch, say what happened to that workflow.
      const why = deps.length === DEPS ? '' : await timeline(ids[i]!, r);
      expect(deps, why).toHaveLength(DEPS);
      expect(new Set(deps.map((c) => c.id)).size).toBe(DEPS);
      if (new Set(deps.map((c) => c.worker)).size === 2) split++;
    }
    for (const id of ids) {
      const events = await api.services.workflows.eventsAfter('default', id, 0);
      expect(events.filter((e) => e.kind === 'task_started' && (e.payload as { key: string }).key === 'sink')).toHaveLength(1);
      expect(events.filter((e) => e.kind === 'task_completed')).toHaveLength(DEPS + 1);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    }
    const sinks = await Promise.all(ids.map(async (wid) => (await api.engine.store.tasks(wid)).find((r) => r.key === 'sink')!));
    expect(sinks.map((r) => [r.status, Number(r.attempts)])).toEqual(ids.map(() => ['COMPLETED', 1]));
    // The race is across processes: in most workflows both workers ran some of the 20.
    expect(split).toBeGreaterThanOrEqual(RACE_WORKFLOWS / 2);
    console.log(`[bullmq] race: ${RACE_WORKFLOWS} workflows of ${DEPS}→1 in ${ms} ms; ${split} had their ${DEPS} dependencies on both workers; every sink ran once`);
  }, 90_000);

  it('a cancel taken by the API process aborts the model call running in a worker process', async () => {
    const request = `cancel ${randomUUID().slice(0, 8)}`;
    respond = (req) => (taskOf(req.body)?.request === request ? { hang: true } : { content: 'ok' });
    const id = await api.services.workflows.create('default', {
      description: request,
      tasks: [
        { key: '1', agent: 'backend', description: 'slow' },
        { key: '2', agent: 'qa', description: 'after', dependsOn: ['1'] },
      ],
    });
    await api.services.workflows.start('default', id);
    const call = await until(() => calls().find((c) => c.task?.request === request), 'the model call', 10_000, 10);
    const fake = fakes[call.worker];
    const aborted = fake.onAbort(fake.abortedCount + 1);
    const at = Date.now();
    await api.services.workflows.cancel('default', id);
    await Promise.race([aborted, sleep(3000).then(() => Promise.reject(new Error(`worker ${call.worker} never aborted the call`)))]);
    const abortMs = Date.now() - at;
    expect(await api.engine.store.status(id)).toBe('CANCELLED');
    expect(await taskStatuses(id)).toEqual({ '1': 'CANCELLED', '2': 'CANCELLED' });
    await sleep(500);
    expect(calls().filter((c) => c.task?.request === request)).toHaveLength(1);
    expect((await api.services.workflows.eventsAfter('default', id, 0)).at(-1)!.kind).toBe('cancelled');
    console.log(`[bullmq] cancel in the API process: worker ${call.worker}'s call aborted ${abortMs} ms later`);
  });

  it('a worker that died between committing a task and queueing its dependents: the job, run again, hands them on', async () => {
    respond = (req) => ({ content: `done: ${taskId(req.body)}` });
    const request = `orphans ${randomUUID().slice(0, 8)}`;
    const id = await api.services.workflows.create('default', {
      description: request,
      tasks: [
        { key: '1', agent: 'backend', description: 'first' },
        { key: '2', agent: 'qa', description: 'second', dependsOn: ['1'] },
        { key: '3', agent: 'devops', description: 'third', dependsOn: ['1'] },
      ],
    });
    // What a worker killed at that instant leaves behind: task 1 COMPLETED, 2 and 3 READY, no job for
    // them; task 1's job still in Redis, which BullMQ hands to another worker once its lock expires.
    const [first] = (await api.engine.store.start(id)).value;
    const claimed = (await api.engine.store.claim(first!)).value!;
    const ready = (await api.engine.store.completeAndClaim(claimed, { output: 'done by the dead worker', usage: { input: 1, output: 1 }, durationMs: 1 })).value!.ready;
    expect(ready.map((t) => t.key)).toEqual(['2', '3']);
    expect(await taskStatuses(id)).toEqual({ '1': 'COMPLETED', '2': 'READY', '3': 'READY' });
    const queue = new Queue('baton-tasks', { connection: connectionFromUrl(REDIS_TEST_URL), prefix: `${prefix}bull` });
    try {
      await queue.add('task', first!, { jobId: first!.taskId, removeOnComplete: true, removeOnFail: true });
    } finally {
      await queue.close();
    }
    expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 15_000)).toBe('COMPLETED');
    const mine = calls()
      .filter((c) => c.task?.request === request)
      .map((c) => c.task!.key);
    expect(mine.sort()).toEqual(['2', '3']);
  });

  it("a killed worker's running task is taken over by the other worker", async () => {
    const request = `takeover ${randomUUID().slice(0, 8)}`;
    let seen = 0;
    respond = (req) => {
      const t = taskOf(req.body);
      if (t?.request !== request) return { content: 'ok' };
      seen++;
      return t.key === '1' && seen === 1 ? { hang: true } : { content: `done: ${t.key}` };
    };
    const id = await api.services.workflows.create('default', {
      description: request,
      tasks: [
        { key: '1', agent: 'backend', description: 'the task whose worker dies' },
        { key: '2', agent: 'qa', description: 'after', dependsOn: ['1'] },
      ],
    });
    await api.services.workflows.start('default', id);
    const first = await until(() => calls().find((c) => c.task?.request === request), 'the first model call', 10_000, 10);
    const victim = first.worker;
    const survivor: Worker = victim === 'A' ? 'B' : 'A';
    expect(await taskStatuses(id)).toMatchObject({ '1': 'RUNNING' });

    const killedAt = Date.now();
    await workers[victim].kill('SIGKILL');
    expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)).toBe('COMPLETED');
    const takeoverMs = Date.now() - killedAt;

    const mine = calls().filter((c) => c.task?.request === request);
    expect(mine.map((c) => [c.task!.key, c.worker])).toEqual([
      ['1', victim],
      ['1', survivor],
      ['2', survivor],
    ]);
    const row = (await api.engine.store.tasks(id)).find((r) => r.key === '1')!;
    expect(row.status).toBe('COMPLETED');
    expect(Number(row.attempts)).toBe(2);
    const started = (await api.services.workflows.eventsAfter('default', id, 0)).filter((e) => e.kind === 'task_started');
    expect(started.map((e) => [(e.payload as { key: string }).key, (e.payload as { attempt: number }).attempt])).toEqual([
      ['1', 1],
      ['1', 2],
      ['2', 1],
    ]);
    expect(workers[survivor].alive()).toBe(true);
    console.log(`[bullmq] worker ${victim} killed: worker ${survivor} finished its task ${takeoverMs} ms later (lock ${LOCK_MS} ms)`);
  });
  it("a killed worker's continued task (claimed with its dependency's completion, no active job) is taken over by the other worker", async () => {
    // The test before killed one worker: start it again, so that two are up.
    for (const w of ['A', 'B'] as const) {
      if (!workers[w].alive()) {
        workers[w] = spawnBaton(workerEnv(w), `worker-${w}`);
        await workers[w].ready;
      }
    }
    const { request, id, victim, survivor } = await hangContinued('continued', [
      { key: '1', agent: 'backend', description: 'first' },
      { key: '2', agent: 'qa', description: 'continued where 1 ended, then its worker dies', dependsOn: ['1'] },
      { key: '3', agent: 'devops', description: 'after', dependsOn: ['2'] },
    ]);
    // Continued, not queued: task 2 ran where task 1 ended, and its only job is the delayed takeover
    // job, which its worker's next heartbeat (every third of the lock) adds.
    expect(calls().find((c) => c.task?.request === request && c.task.key === '1')!.worker).toBe(victim);
    expect(await taskStatuses(id)).toMatchObject({ '1': 'COMPLETED', '2': 'RUNNING' });
    const seenAt = Date.now();
    await until(async () => (await jobCounts()).delayed === 1 || undefined, 'the takeover job of task 2', LOCK_MS / 3 + 1000, 20);
    expect(await jobCounts()).toMatchObject({ active: 0, wait: 0, delayed: 1 });
    console.log(`[bullmq] takeover job of the continued task added ${Date.now() - seenAt} ms after its call was seen`);

    const killedAt = Date.now();
    await workers[victim].kill('SIGKILL');
    expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)).toBe('COMPLETED');
    const takeoverMs = Date.now() - killedAt;
    expect(
      calls()
        .filter((c) => c.task?.request === request)
        .map((c) => [c.task!.key, c.worker]),
    ).toEqual([
      ['1', victim],
      ['2', victim],
      ['2', survivor],
      ['3', survivor],
    ]);
    const started = (await api.services.workflows.eventsAfter('default', id, 0)).filter((e) => e.kind === 'task_started');
    expect(started.map((e) => [(e.payload as { key: string }).key, (e.payload as { attempt: number }).attempt])).toEqual([
      ['1', 1],
      ['2', 1],
      ['2', 2],
      ['3', 1],
    ]);
    expect(takeoverMs).toBeGreaterThanOrEqual(LOCK_MS / 2);
    expect(await jobCounts()).toEqual({ active: 0, delayed: 0, wait: 0, prioritized: 0 });
    console.log(`[bullmq] worker ${victim} killed during a continued task: worker ${survivor} finished it ${takeoverMs} ms later (lock ${LOCK_MS} ms)`);
  });

  it('SIGTERM during a continued task younger than a heartbeat (no takeover job yet): given back at once, the other worker runs it', async () => {
    // Both workers again, with a short shutdown grace.
    for (const w of ['A', 'B'] as const) {
      if (workers[w].alive()) await workers[w].kill('SIGTERM');
      workers[w] = spawnBaton({ ...workerEnv(w), SHUTDOWN_GRACE_MS: '100' }, `worker-${w}`);
    }
    await Promise.all([workers.A.ready, workers.B.ready]);
    const { request, id, victim, survivor } = await hangContinued('handback', [
      { key: '1', agent: 'backend', description: 'first' },
      { key: '2', agent: 'qa', description: 'continued where 1 ended, then its worker stops', dependsOn: ['1'] },
    ]);
    const stoppedAt = Date.now();
    const exit = await workers[victim].kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(await waitForStatus(api, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)).toBe('COMPLETED');
    const ms = Date.now() - stoppedAt;
    expect(
      calls()
        .filter((c) => c.task?.request === request)
        .map((c) => [c.task!.key, c.worker]),
    ).toEqual([
      ['1', victim],
      ['2', victim],
      ['2', survivor],
    ]);
    // Handed over, not taken over: no wait for a lock to expire or a takeover job to come due.
    expect(ms).toBeLessThan(LOCK_MS / 2);
    expect(await jobCounts()).toEqual({ active: 0, delayed: 0, wait: 0, prioritized: 0 });
    console.log(`[bullmq] worker ${victim} stopped during a continued task: worker ${survivor} finished it ${ms} ms later`);
  });
});
