/**
 * The bench's watchers: a child process that opens N graphql-ws clients (one
 * WebSocket each) or N SSE streams (one HTTP request each) to a Baton API,
 * subscribes each to `workflowEvents` of one workflow, and reports when every
 * client has seen the workflow end: per stored event, receipt time minus the
 * event's `at` (the state change's time, ms resolution), and how many events
 * each client received.
 * Started by bench/systems/baton.ts with IPC: { url, key, workflowId, afterSeq, count, transport }.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { percentile } from './infra.ts';

interface Job {
  url: string;
  /** An API key (AUTH=required, e.g. with PostgreSQL), sent in connectionParams. */
  key?: string;
  workflowId: string;
  afterSeq: number;
  count: number;
  transport?: 'ws' | 'sse';
}

type Ev = { seq: number; kind: string; at: string };
interface Sink {
  next(e: Ev | undefined): boolean;
  error(err: unknown): void;
  complete(): void;
}

const QUERY = 'subscription Watch($id: ID!, $after: Int) { workflowEvents(workflowId: $id, afterSeq: $after) { seq kind at } }';
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const now = () => performance.timeOrigin + performance.now();

/** One SSE subscription (yoga's distinct-connections mode): `next` events carry results. */
async function sse(job: Job, sink: Sink) {
  const res = await fetch(job.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(job.key ? { authorization: `Bearer ${job.key}` } : {}) },
    body: JSON.stringify({ query: QUERY, variables: { id: job.workflowId, after: job.afterSeq } }),
  });
  if (!res.ok || !res.body) return sink.error(new Error(`SSE ${res.status}`));
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return sink.complete();
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!block.startsWith('event: next')) continue;
      const data = block.slice(block.indexOf('data:') + 5);
      const r = JSON.parse(data) as { data?: { workflowEvents?: Ev }; errors?: unknown[] };
      if (r.errors) {
        sink.error(r.errors);
        await reader.cancel();
        return;
      }
      if (sink.next(r.data?.workflowEvents)) {
        await reader.cancel();
        return;
      }
    }
  }
}

async function watch(job: Job) {
  const clients: Client[] = [];
  const latencies: number[] = [];
  const received: number[] = [];
  let errors = 0;
  const errorSamples = new Set<string>();
  const done: Promise<void>[] = [];
  for (let i = 0; i < job.count; i++) {
    received.push(0);
    done.push(
      new Promise<void>((resolve) => {
        let last = job.afterSeq;
        let stop = () => {};
        const sink: Sink = {
          next(e) {
            if (!e || e.kind === 'TASK_OUTPUT') return false;
            latencies.push(now() - Date.parse(e.at));
            if (e.seq === last + 1) received[i]!++;
            last = Math.max(last, e.seq);
            if (!TERMINAL.has(e.kind)) return false;
            stop();
            resolve();
            return true;
          },
          error(err) {
            errors++;
            const e = Array.isArray(err) ? err[0] : err;
            const text = (e as { message?: string; reason?: string })?.message ?? (e as { reason?: string })?.reason ?? String(e);
            const code = (e as { code?: number })?.code;
            if (errorSamples.size < 3) errorSamples.add(code ? `${code} ${text}` : text);
            resolve();
          },
          complete: () => resolve(),
        };
        if (job.transport === 'sse') return void sse(job, sink).catch((err) => sink.error(err));
        const client = createClient({
          url: job.url.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: true,
          connectionParams: job.key ? { authorization: `Bearer ${job.key}` } : undefined,
        });
        clients.push(client);
        stop = client.subscribe<{ workflowEvents: Ev }>(
          { query: QUERY, variables: { id: job.workflowId, after: job.afterSeq } },
          { next: (r) => void sink.next(r.data?.workflowEvents), error: sink.error, complete: sink.complete },
        );
      }),
    );
    // Connections are opened in steps of 100, so that thousands do not all handshake in one burst.
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
  }
  process.send!({ type: 'subscribing' });
  const cpu = process.cpuUsage();
  await Promise.all(done);
  const used = process.cpuUsage(cpu);
  await Promise.all(clients.map((c) => c.dispose()));
  latencies.sort((a, b) => a - b);
  return {
    received,
    errors,
    errorSamples: [...errorSamples],
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? NaN,
    samples: latencies.length,
    clientCpuMs: (used.user + used.system) / 1000,
  };
}

process.on('message', (job: Job) => {
  watch(job).then(
    (r) => process.send!({ type: 'done', ...r }),
    (err) => process.send!({ type: 'failed', error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });
