import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { BatonError } from '../../src/errors.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { parsePrometheus, type Sample, sampleSum, sampleValue } from '../support/prometheus.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { OnWorkflowEventsDocument } from '../graphql/__generated__/operations.ts';
import { sseSubscribe, wsClient, wsSubscribe } from '../graphql/transport-clients.ts';
import { createTestDatabase } from '../support/services.ts';

/** GET /metrics with the key (the API port's endpoint is protected like the API). */
const metricsOf = async (fetchFn: (r: Request) => Response | Promise<Response>, key: string): Promise<Sample[]> => {
  const res = await fetchFn(new Request('http://baton.test/metrics', { headers: { authorization: `Bearer ${key}` } }));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parsePrometheus(await res.text());
};

describe('metrics after an embedded run', () => {
  let t: TestApp;
  let samples: Sample[];
  let workflowId: string;

  beforeAll(async () => {
    t = await startTestApp();
    workflowId = await t.app.services.workflows.create('default', { description: 'auth', tasks: AUTH_TASKS });
    await t.app.services.workflows.start('default', workflowId);
    await waitForStatus(t.app, workflowId, ['COMPLETED']);
    samples = await metricsOf(t.app.fetch, t.key);
  });
  afterAll(() => t?.close());

  it('counts the workflow, its tasks per agent, and their durations and start delays', () => {
    expect(sampleValue(samples, 'baton_workflows_total', { status: 'COMPLETED' })).toBe(1);
    expect(sampleValue(samples, 'baton_workflows_total', { status: 'EXECUTING' })).toBe(1);
    const perAgent = { backend: 3, frontend: 2, qa: 2, devops: 1 };
    for (const [agent, n] of Object.entries(perAgent)) {
      expect(sampleValue(samples, 'baton_tasks_total', { agent, status: 'COMPLETED' }), agent).toBe(n);
      expect(sampleValue(samples, 'baton_task_duration_seconds_count', { agent }), agent).toBe(n);
      expect(sampleValue(samples, 'baton_task_start_delay_seconds_count', { agent }), agent).toBe(n);
      expect(sampleValue(samples, 'baton_task_duration_seconds_bucket', { agent, le: '+Inf' }), agent).toBe(n);
    }
    expect(sampleSum(samples, 'baton_tasks_total', { status: 'FAILED' })).toBe(0);
    expect(sampleValue(samples, 'baton_task_duration_seconds_sum', { agent: 'backend' })).toBeGreaterThan(0);
  });

  it('counts model calls and the tokens the workflow recorded', async () => {
    expect(sampleValue(samples, 'baton_model_calls_total', { model: 'offline', outcome: 'ok' })).toBe(AUTH_TASKS.length);
    const wf = (await t.app.engine.store.workflowRecord(workflowId))!;
    expect(wf.inputTokens).toBeGreaterThan(0);
    expect(sampleValue(samples, 'baton_model_tokens_total', { model: 'offline', direction: 'input' })).toBe(wf.inputTokens);
    expect(sampleValue(samples, 'baton_model_tokens_total', { model: 'offline', direction: 'output' })).toBe(wf.outputTokens);
  });

  it('counts published events by kind, reads the queue, and has the process metrics', () => {
    expect(sampleValue(samples, 'baton_events_published_total', { kind: 'task_completed' })).toBe(AUTH_TASKS.length);
    expect(sampleValue(samples, 'baton_events_published_total', { kind: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'baton_events_published_total', { kind: 'task_output' })).toBeGreaterThan(AUTH_TASKS.length);
    expect(sampleValue(samples, 'baton_queue_waiting')).toBe(0);
    expect(sampleValue(samples, 'baton_queue_active')).toBe(0);
    expect(sampleValue(samples, 'baton_subscriptions_active')).toBe(0);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts open GraphQL subscriptions, over graphql-ws and SSE, until they end', async () => {
    const server = createHttpServer(t.app.services, { metrics: t.app.telemetry.metrics, ...t.app.httpAuth });
    const { url } = await server.start(0, '127.0.0.1');
    const gauge = async () => sampleValue(await metricsOf(server.fetch, t.key), 'baton_subscriptions_active');
    try {
      const c = wsClient(url, t.key);
      const ws = wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: workflowId });
      expect((await ws.next()).value.data.workflowEvents.seq).toBe(1);
      await expect.poll(gauge).toBe(1);
      await ws.return!();
      await expect.poll(gauge).toBe(0);
      await c.dispose();

      const abort = new AbortController();
      const sse = sseSubscribe(url, OnWorkflowEventsDocument, { workflowId: workflowId }, abort.signal, t.key);
      expect((await sse.next()).value?.data?.workflowEvents.seq).toBe(1);
      await expect.poll(gauge).toBe(1);
      abort.abort();
      await expect.poll(gauge).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('answers 401 on the API port when the principal hook refuses the request', async () => {
    class Unauthenticated extends BatonError {
      constructor() {
        super('UNAUTHENTICATED', 'an API key is required');
      }
    }
    const server = createHttpServer(t.app.services, {
      metrics: t.app.telemetry.metrics,
      resolvePrincipal: async () => {
        throw new Unauthenticated();
      },
    });
    const res = await server.fetch(new Request('http://baton.test/metrics'));
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('baton_');
  });

  it('creates no tracer and stores no trace context without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(t.app.telemetry.tracing).toBeNull();
    expect((await t.app.engine.store.workflowRecord(workflowId))!.metadata).toEqual({});
  });
});

describe('metrics of failures and retries', () => {
  it('counts a retried attempt, a failed task and the model errors', async () => {
    const status = (s: number, m: string) => Object.assign(new Error(m), { status: s });
    const models = scriptedModels({ error: (key, attempt) => (key === '1' && attempt === 1 ? status(503, 'overloaded') : key === '2' ? status(400, 'bad request') : null) });
    const t = await startTestApp({}, { models: models.factory });
    try {
      const id = await t.app.services.workflows.create('default', {
        description: 'failing',
        tasks: [
          { key: '1', agent: 'backend', description: 'flaky' },
          { key: '2', agent: 'qa', description: 'broken', dependsOn: ['1'] },
        ],
      });
      await t.app.services.workflows.start('default', id);
      await waitForStatus(t.app, id, ['FAILED']);
      const samples = await metricsOf(t.app.fetch, t.key);
      expect(sampleValue(samples, 'baton_task_retries_total', { agent: 'backend' })).toBe(1);
      expect(sampleValue(samples, 'baton_tasks_total', { agent: 'backend', status: 'COMPLETED' })).toBe(1);
      expect(sampleValue(samples, 'baton_tasks_total', { agent: 'qa', status: 'FAILED' })).toBe(1);
      expect(sampleValue(samples, 'baton_model_calls_total', { model: 'offline', outcome: 'error' })).toBe(2);
      expect(sampleValue(samples, 'baton_model_calls_total', { model: 'offline', outcome: 'ok' })).toBe(1);
      expect(sampleValue(samples, 'baton_workflows_total', { status: 'FAILED' })).toBe(1);
      expect(sampleValue(samples, 'baton_model_tokens_total', { model: 'offline', direction: 'input' })).toBe(10);
    } finally {
      await t.close();
    }
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on its own listener in a worker-role process', async () => {
    const db = await createTestDatabase();
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ROLE: 'worker', METRICS_PORT: '0', HOST: '127.0.0.1', OFFLINE_TOKEN_DELAY_MS: '0', ...db.env }));
    try {
      const { url, metricsUrl } = await app.start();
      expect(url).toBeNull();
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const id = await app.services.workflows.create('default', {
        description: 'two',
        tasks: [
          { key: '1', agent: 'backend', description: 'a' },
          { key: '2', agent: 'qa', description: 'b', dependsOn: ['1'] },
        ],
      });
      await app.services.workflows.start('default', id);
      await waitForStatus(app, id, ['COMPLETED']);
      const res = await fetch(metricsUrl!);
      expect(res.status).toBe(200);
      const samples = parsePrometheus(await res.text());
      expect(sampleValue(samples, 'baton_tasks_total', { agent: 'backend', status: 'COMPLETED' })).toBe(1);
      expect(sampleValue(samples, 'baton_tasks_total', { agent: 'qa', status: 'COMPLETED' })).toBe(1);
      expect((await fetch(metricsUrl!.replace('/metrics', '/graphql'))).status).toBe(404);
      expect((await fetch(metricsUrl!, { method: 'POST' })).status).toBe(405);
    } finally {
      await app.stop();
      await db.drop();
    }
  });
});
