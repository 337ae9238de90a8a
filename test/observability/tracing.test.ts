import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { scriptedModels } from '../support/scripted-model.ts';

/** A logger at info whose JSON lines the test reads (role and pid as the real process logs them). */
function capturedLogger(role: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', { role }, stream), lines };
}

describe('one trace per workflow run, exported over OTLP/HTTP', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const log = capturedLogger('all');
  let workflowId: string;
  let tasks: Array<{ key: string; agent: string }>;
  let metadata: { traceparent?: string };
  let spans: ReceivedSpan[];
  let testStartedMs = 0;

  beforeAll(async () => {
    testStartedMs = Date.now();
    receiver = await startOtlpReceiver();
    const t: TestApp = await startTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'baton-test' }, { logger: log.logger });
    try {
      expect(t.app.telemetry.tracing).not.toBeNull();
      workflowId = await t.app.services.workflows.plan('default', { request: 'Build a login page with an API and tests', autoStart: true });
      await waitForStatus(t.app, workflowId, ['COMPLETED']);
      tasks = (await t.app.engine.store.tasks(workflowId)).map(({ key, agent }) => ({ key, agent }));
      metadata = (await t.app.engine.store.workflowRecord(workflowId))!.metadata as { traceparent?: string };
    } finally {
      await t.close(); // flushes the spans
    }
    spans = receiver.spans;
  });
  afterAll(() => receiver?.close());

  it('has a root span, and every span is in its trace', () => {
    expect(tasks.length).toBeGreaterThan(1);
    const root = spans.find((s) => s.name === `workflow ${workflowId}`);
    expect(root?.parentSpanId).toBeUndefined();
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root!.traceId]));
    expect(metadata.traceparent).toBe(`00-${root!.traceId}-${root!.spanId}-01`);
    expect(root!.resource['service.name']).toBe('baton-test');
  });

  it('has a planning span, a span per task, and a GenAI chat span per model call under them', () => {
    const root = spans.find((s) => s.name === `workflow ${workflowId}`)!;
    const planning = spans.filter((s) => s.name === 'planning');
    expect(planning).toHaveLength(1);
    expect(planning[0]!.parentSpanId).toBe(root.spanId);
    const taskSpans = spans.filter((s) => s.name.startsWith('task '));
    expect(taskSpans.map((s) => s.attributes['baton.task.key']).sort()).toEqual(tasks.map((t) => t.key).sort());
    for (const s of taskSpans) {
      expect(s.parentSpanId).toBe(root.spanId);
      expect(s.attributes['baton.task.attempt']).toBe(1);
      expect(s.attributes['baton.workflow.id']).toBe(workflowId);
    }
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats).toHaveLength(tasks.length + 1);
    const parents = chats.map((c) => c.parentSpanId).sort();
    expect(parents).toEqual([planning[0]!.spanId, ...taskSpans.map((s) => s.spanId)].sort());
    for (const c of chats) {
      expect(c.name).toBe('chat offline');
      expect(c.attributes['gen_ai.request.model']).toBe('offline');
      expect(c.attributes['gen_ai.provider.name']).toBe('offline');
      expect(c.attributes['gen_ai.system']).toBe('offline');
      expect(c.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(c.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    }
  });

  it('keeps real times though spans are built after the fact: each chat span lies within its parent, within the run', () => {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    const startedAt = BigInt(testStartedMs) * 1_000_000n;
    for (const c of chats) {
      const parent = byId.get(c.parentSpanId!)!;
      expect(c.start).toBeGreaterThanOrEqual(parent.start);
      expect(c.end).toBeLessThanOrEqual(parent.end);
      expect(c.end).toBeGreaterThan(c.start);
      expect(parent.start).toBeGreaterThanOrEqual(startedAt);
      expect(parent.end).toBeLessThanOrEqual(BigInt(Date.now()) * 1_000_000n);
    }
  });

  it('logs each task start and finish once, with the workflow, task, agent, attempt, role, pid and trace id', () => {
    const traceId = spans[0]!.traceId;
    for (const msg of ['task started', 'task finished']) {
      const lines = log.lines.filter((l) => l.msg === msg);
      expect(lines.map((l) => l.taskKey).sort(), msg).toEqual(tasks.map((t) => t.key).sort());
      for (const l of lines) {
        expect(l).toMatchObject({ level: 30, workflowId, attempt: 1, role: 'all', pid: process.pid, traceId });
        expect(l.agent).toBe(tasks.find((t) => t.key === l.taskKey)!.agent);
      }
    }
  });
});

describe('task log lines for retries and failures', () => {
  it('logs the retry and the failure once each, without a trace id when tracing is off', async () => {
    const log = capturedLogger('worker');
    const status = (s: number, m: string) => Object.assign(new Error(m), { status: s });
    const models = scriptedModels({ error: (key, attempt) => (key === '1' && attempt === 1 ? status(503, 'overloaded') : key === '2' ? status(400, 'bad request') : null) });
    const t = await startTestApp({}, { models: models.factory, logger: log.logger });
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
      const of = (msg: string) => log.lines.filter((l) => l.msg === msg);
      expect(of('task started').map((l) => [l.taskKey, l.attempt])).toEqual([
        ['1', 1],
        ['1', 2],
        ['2', 1],
      ]);
      expect(of('task retrying')).toHaveLength(1);
      expect(of('task retrying')[0]).toMatchObject({ level: 30, workflowId: id, taskKey: '1', agent: 'backend', attempt: 1, role: 'worker', pid: process.pid });
      expect(String(of('task retrying')[0]!.error)).toContain('overloaded');
      expect(of('task finished').map((l) => l.taskKey)).toEqual(['1']);
      expect(of('task failed')).toHaveLength(1);
      expect(of('task failed')[0]).toMatchObject({ workflowId: id, taskKey: '2', agent: 'qa', attempt: 1, role: 'worker', pid: process.pid });
      expect(String(of('task failed')[0]!.error)).toContain('bad request');
      expect(log.lines.every((l) => l.traceId === undefined)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
