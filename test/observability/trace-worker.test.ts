import { spawn } from 'node:child_process';
import { SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracing, type Tracing } from '../../src/observability/tracing.ts';
import { type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts';

/** Records a root, a task under its stored traceparent and a chat under the task; returns the handed-out traceparents. */
function recordTrace(tracing: Tracing) {
  const root = tracing.root({ 'baton.workflow.id': 'w1' });
  const task = tracing.start('task a @backend', root.traceparent, { 'baton.task.key': 'a' });
  const chat = tracing.start('chat offline', task, { 'gen_ai.operation.name': 'chat' });
  tracing.end(chat, undefined, { 'gen_ai.usage.input_tokens': 3 });
  tracing.end(task, 'boom');
  root.end('workflow w1', { 'baton.workflow.status': 'FAILED' });
  return { root: root.traceparent, task: task.traceparent, chat: chat.traceparent };
}
const idsOf = (tp: string) => ({ traceId: tp.slice(3, 35), spanId: tp.slice(36, 52) });

describe('trace worker: the SDK runs off the main thread, with the ids the main thread handed out', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tps: ReturnType<typeof recordTrace>;
  let spans: ReceivedSpan[];
  const errors: Error[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const tracing = createTracing({ endpoint: receiver.url, serviceName: 'worker-test', role: 'all', onWorkerError: (e) => errors.push(e) });
    tps = recordTrace(tracing);
    await tracing.shutdown(); // posts the batch and waits for the worker's export
    spans = receiver.spans;
  });
  afterAll(() => receiver?.close());

  it('exports each span once with its pre-assigned trace and span ids and its parent', () => {
    expect(errors).toEqual([]);
    const by = (name: string) => spans.filter((s) => s.name === name);
    expect(spans).toHaveLength(3);
    const [root, task, chat] = [by('workflow w1')[0]!, by('task a @backend')[0]!, by('chat offline')[0]!];
    expect(root).toMatchObject({ ...idsOf(tps.root), parentSpanId: undefined });
    expect(task).toMatchObject({ ...idsOf(tps.task), parentSpanId: idsOf(tps.root).spanId });
    expect(chat).toMatchObject({ ...idsOf(tps.chat), parentSpanId: idsOf(tps.task).spanId });
    expect(root.attributes).toEqual({ 'baton.workflow.id': 'w1', 'baton.workflow.status': 'FAILED' });
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(3);
    expect(root.resource).toMatchObject({ 'service.name': 'worker-test', 'baton.role': 'all', 'process.pid': process.pid });
  });

  it('keeps the recorded times (epoch, nested) though another thread builds the spans', () => {
    const [root, task, chat] = ['workflow w1', 'task a @backend', 'chat offline'].map((n) => spans.find((s) => s.name === n)!);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    expect(root!.start).toBeGreaterThan(nowNs - 60_000_000_000n);
    expect(root!.start).toBeLessThanOrEqual(task!.start);
    expect(task!.start).toBeLessThanOrEqual(chat!.start);
    expect(chat!.end).toBeLessThanOrEqual(task!.end);
    expect(task!.end).toBeLessThanOrEqual(root!.end);
    expect(root!.end).toBeLessThanOrEqual(nowNs);
  });
});

describe('tracing with an injected exporter (same thread) and a failing worker', () => {
  it('builds the same spans in process when a test injects an exporter', async () => {
    const spans: ReadableSpan[] = []; // (InMemorySpanExporter forgets its spans on shutdown)
    const exporter: SpanExporter = { export: (batch, done) => (spans.push(...batch), done({ code: ExportResultCode.SUCCESS })), shutdown: async () => {} };
    const tracing = createTracing({ endpoint: '', serviceName: 'in-process', role: 'all', exporter });
    const tps = recordTrace(tracing);
    await tracing.shutdown();
    expect(spans.map((s) => s.name).sort()).toEqual(['chat offline', 'task a @backend', 'workflow w1']);
    const task = spans.find((s) => s.name === 'task a @backend')!;
    expect(task.spanContext()).toMatchObject(idsOf(tps.task));
    expect(task.parentSpanContext?.spanId).toBe(idsOf(tps.root).spanId);
    expect(task.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
  });

  it('reports a worker failure once and drops spans, without throwing into the app', async () => {
    const receiver = await startOtlpReceiver();
    const errors: Error[] = [];
    const tracing = createTracing({ endpoint: receiver.url, serviceName: 'x', role: 'all', onWorkerError: (e) => errors.push(e) });
    try {
      // a value structured clone cannot copy: posting the batch fails
      const bad = tracing.start('bad', undefined, { f: (() => 1) as unknown as string });
      tracing.end(bad);
      await tracing.shutdown();
      recordTrace(tracing); // after the failure: recorded, never sent
      await tracing.shutdown();
      expect(errors).toHaveLength(1);
      expect(receiver.spans).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('never keeps a process alive: a process that records spans and never shuts tracing down exits', async () => {
    const script = `import { createTracing } from ${JSON.stringify(new URL('../../src/observability/tracing.ts', import.meta.url).href)};
      const t = createTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 'x', role: 'all' });
      const s = t.start('s', undefined, {}); t.end(s);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), resolve(-1)), 20_000);
      child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(code).toBe(0);
  });
});
