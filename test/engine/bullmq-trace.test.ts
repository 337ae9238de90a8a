import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromJson } from '../../src/db/sql.ts';
import type { App } from '../../src/app.ts';
import { connectionFromUrl } from '../../src/engine/bullmq-dispatcher.ts';
import type { ReadyTask } from '../../src/engine/types.ts';
import { waitForStatus } from '../support/app.ts';
import { type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type BatonProcess, buildApiApp, cleanUp, deleteRedisKeys, killAllBatons, spawnBaton } from '../support/processes.ts';
import { parsePrometheus, sampleSum, sampleValue } from '../support/prometheus.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';

/**
 * Traces and metrics across processes: this test process is the API (it stores the workflow and
 * queues its jobs), child processes are the workers (ROLE=worker, METRICS_PORT). Planning is a job:
 * a first worker plans (with the offline model) and stops; the API then starts the workflow and its
 * tasks wait in the queue until a second worker runs them. All export to one local OTLP receiver;
 * the workers' spans must join the trace the API began.
 */
if (testDialect !== 'postgresql') throw new Error('bullmq-trace.test.ts runs in the postgresql project (BATON_TEST_DB=postgresql) only');
const available = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(available)('BullMQ: one trace across the API and a worker process', () => {
  let db: TestDatabase;
  let api: App;
  let planner: BatonProcess;
  let worker: BatonProcess;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const prefix = testRedisPrefix();
  let shared: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    receiver = await startOtlpReceiver();
    shared = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OFFLINE_TOKEN_DELAY_MS: '0' };
    api = await buildApiApp(shared);
  });
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => api?.stop(),
      () => receiver?.close(),
      () => deleteRedisKeys(REDIS_TEST_URL, prefix),
      () => db?.drop(),
    ),
  );

  it('carries the traceparent in job data; the worker serves METRICS_PORT and its spans share the API trace id', async () => {
    const id = await api.services.workflows.plan('default', { request: 'Build a login page with an API and tests', autoStart: false });
    const { traceparent } = fromJson<{ traceparent: string }>((await api.services.db.knex('workflows').where({ id }).first()).metadata);
    const traceId = traceparent.split('-')[1];
    const queue = new Queue<ReadyTask>('baton-tasks', { connection: connectionFromUrl(REDIS_TEST_URL), prefix: `${prefix}bull` });
    try {
      // Planning is a job where tasks run: it waits for a worker, which finds the trace on the workflow.
      const planJobs = await queue.getJobs(['wait', 'prioritized']);
      expect(planJobs.map((j) => j.name)).toEqual(['plan']);
      planner = spawnBaton({ ...shared, ROLE: 'worker' }, 'planner');
      await planner.ready;
      await waitForStatus(api, id, ['PLANNED']);
      expect((await planner.kill('SIGTERM')).code).toBe(0); // exports its spans as it stops

      // No worker now: the tasks the API queues wait, with the run's trace context in their data.
      await api.services.workflows.start('default', id);
      const jobs = await queue.getJobs(['wait', 'prioritized']);
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) expect(j.data.traceparent).toBe(traceparent);
      const apiMetrics = parsePrometheus(await api.telemetry.metrics.render());
      expect(sampleValue(apiMetrics, 'baton_queue_waiting')).toBe(jobs.length);
      expect(sampleValue(apiMetrics, 'baton_queue_active')).toBe(0);
    } finally {
      await queue.close();
    }

    worker = spawnBaton({ ...shared, ROLE: 'worker', METRICS_PORT: '0' }, 'worker');
    await worker.ready;
    const started = worker
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"baton started"'))!;
    const metricsUrl = (JSON.parse(started) as { metricsUrl?: string }).metricsUrl;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await waitForStatus(api, id, ['COMPLETED']);
    const tasks = (await api.services.db.knex('tasks').where({ workflow_id: id }).select('key')) as Array<{ key: string }>;

    const workerMetrics = parsePrometheus(await (await fetch(metricsUrl!)).text());
    expect(sampleSum(workerMetrics, 'baton_tasks_total', { status: 'COMPLETED' })).toBe(tasks.length);
    expect(sampleValue(workerMetrics, 'baton_model_calls_total', { model: 'offline', outcome: 'ok' })).toBe(tasks.length);
    expect(sampleValue(workerMetrics, 'baton_queue_waiting')).toBe(0);

    // Worker task log lines carry the same trace id.
    const logged = worker
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"task finished"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(tasks.length);
    for (const l of logged) expect(l).toMatchObject({ workflowId: id, role: 'worker', pid: worker.pid, traceId });

    expect((await worker.kill('SIGTERM')).code).toBe(0); // exports its spans as it stops
    await api.stop();
    const from = (pid: number) => receiver.spans.filter((s: ReceivedSpan) => s.resource['process.pid'] === pid);
    const apiSpans = from(process.pid);
    const plannerSpans = from(planner.pid);
    const workerSpans = from(worker.pid);
    expect(apiSpans.map((s) => s.name)).toEqual([`workflow ${id}`]);
    expect(plannerSpans.map((s) => s.name).sort()).toEqual(['chat offline', 'planning']);
    expect(
      workerSpans
        .filter((s) => s.name.startsWith('task '))
        .map((s) => s.attributes['baton.task.key'])
        .sort(),
    ).toEqual(tasks.map((t) => t.key).sort());
    expect(workerSpans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat')).toHaveLength(tasks.length);
    expect(new Set([...apiSpans, ...plannerSpans, ...workerSpans].map((s) => s.traceId))).toEqual(new Set([traceId]));
  });
});
