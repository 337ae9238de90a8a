/**
 * The bench's watchers: a child process that opens N graphql-ws clients (one
 * WebSocket each) to a Baton API, subscribes each to `workflowEvents` of one
 * workflow, and reports when every client has seen the workflow end: per
 * stored event, receipt time minus the event's `at` (the state change's time,
 * ms resolution), and how many events each client received.
 * Started by bench/systems/baton.ts with IPC: { url, key, workflowId, afterSeq, count }.
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
}

const QUERY = 'subscription Watch($id: ID!, $after: Int) { workflowEvents(workflowId: $id, afterSeq: $after) { seq kind at } }';
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const now = () => performance.timeOrigin + performance.now();

async function watch(job: Job) {
  const clients: Client[] = [];
  const latencies: number[] = [];
  const received: number[] = [];
  let errors = 0;
  const errorSamples = new Set<string>();
  const done: Promise<void>[] = [];
  for (let i = 0; i < job.count; i++) {
    const client = createClient({
      url: job.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: job.key ? { authorization: `Bearer ${job.key}` } : undefined,
    });
    clients.push(client);
    received.push(0);
    done.push(
      new Promise<void>((resolve) => {
        let last = job.afterSeq;
        const stop = client.subscribe<{ workflowEvents: { seq: number; kind: string; at: string } }>(
          { query: QUERY, variables: { id: job.workflowId, after: job.afterSeq } },
          {
            next(r) {
              const e = r.data?.workflowEvents;
              if (!e || e.kind === 'TASK_OUTPUT') return;
              latencies.push(now() - Date.parse(e.at));
              if (e.seq === last + 1) received[i]!++;
              last = Math.max(last, e.seq);
              if (TERMINAL.has(e.kind)) {
                stop();
                resolve();
              }
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
          },
        );
      }),
    );
  }
  process.send!({ type: 'subscribing' });
  await Promise.all(done);
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
