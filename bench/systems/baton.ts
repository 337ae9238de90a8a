import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { BusSubscription } from '../../src/events/event-bus.ts';
import { hubFor } from '../../src/events/hub.ts';
import { type AnyWorkflowEvent, workflowTopic } from '../../src/events/types.ts';
import { mergeSpans, spanFigures, wallNow } from '../fake-agent.ts';
import { type BenchGraph, warmUpGraph } from '../graphs.ts';
import { type AgentKind, createBenchAgent } from '../http-agent.ts';
import { freshDatabase, freshRedisPrefix, REDIS_URL } from '../infra.ts';
import { forkWorker, type Worker } from './baton-worker.ts';
import type { BenchSystem, LatencyResult, RunResult } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Width is never the limit: the peers run every ready task at once. */
const BASE_ENV = {
  // Tracing's cost is measured by running the bench with OTEL_EXPORTER_OTLP_ENDPOINT set (a local sink).
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  LOG_LEVEL: 'silent',
  MAX_CONCURRENCY: '1000',
  AGENT_CONCURRENCY: '1000',
  MAX_TASKS: '20000',
  TASK_TIMEOUT_MS: '600000',
  SHUTDOWN_GRACE_MS: '1000',
  // Hundreds of graphql-ws subscribers from one address: no per-client rate limit in a measurement.
  RATE_LIMIT_PER_MIN: '0',
};

interface WatchResult {
  received: number[];
  errors: number;
  errorSamples: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  clientCpuMs: number;
}

/** The graphql-ws clients run in their own process (bench/subscribers.ts), so they do not slow the server they measure. */
function startWatchers(): Promise<{ child: ChildProcess; result: Promise<WatchResult> }> {
  const child = fork(resolve(here, '../subscribers.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((ready, reject) => {
    const result = new Promise<WatchResult>((done, fail) => {
      child.on('message', (m: { type: string; error?: string } & WatchResult) => {
        if (m.type === 'ready') ready({ child, result });
        else if (m.type === 'done') done(m);
        else if (m.type === 'failed') fail(new Error(`subscribers: ${m.error}`));
      });
      child.once('exit', (code) => {
        const err = new Error(`the subscriber process exited with ${code}`);
        reject(err);
        fail(err);
      });
    });
    result.catch(() => {});
  });
}

/**
 * Baton through its services (what the GraphQL mutations call): createWorkflow,
 * then the clock runs from the startWorkflow call until the workflow's
 * `completed` event (published right after its commit) reaches a subscriber in
 * this process. Embedded: SQLite in a temp dir, in-process queue, this process
 * serves the API and runs the tasks. Redis: a fresh PostgreSQL database and
 * Redis prefix; this process is the API (creates and starts workflows, serves
 * graphql-ws), and `workers` child processes (ROLE=worker) run the tasks.
 * Event delivery is measured with real graphql-ws clients in another process.
 */
export function batonSystem(mode: 'embedded' | 'redis', workers = 1, kind: AgentKind = 'fake'): BenchSystem {
  const name = `${mode === 'embedded' ? 'baton-embedded' : `baton-redis-${workers}w`}${kind === 'http' ? '-http' : ''}`;
  const agent = createBenchAgent(kind);
  /** The fake agent in BullMQ mode runs in the workers, which keep its record; otherwise one record here or in the model server. */
  const spansInWorkers = kind === 'fake' && mode === 'redis';
  let app: App;
  let url: string | null = null;
  let key: string | undefined;
  let helpers: Worker[] = [];
  let cleanup: Array<() => Promise<unknown>> = [];

  let cpu = process.cpuUsage();
  /** Model calls, helpers' peak RSS and CPU (this process's and the helpers') since the last call. */
  const spans = async () => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const own = (used.user + used.system) / 1000;
    const [answers, served] = await Promise.all([Promise.all(helpers.map((w) => w.ask())), spansInWorkers ? undefined : agent.takeSpan()]);
    return {
      span: served?.span ?? mergeSpans(answers.map((a) => a.span)),
      connections: served?.connections,
      rss: mode === 'embedded' ? undefined : answers.map((a) => a.peakRss),
      cpuMs: own + answers.reduce((s, a) => s + a.cpuMs, 0),
    };
  };

  async function create(graph: BenchGraph) {
    const t = wallNow();
    const id = await app.services.workflows.create('default', {
      description: `bench ${graph.name}`,
      tasks: graph.tasks.map(({ key, agent, description, dependsOn }) => ({ key, agent, description, dependsOn })),
    });
    return { id, setupMs: wallNow() - t };
  }

  /** Resolves with the receipt time of the run's final event. */
  function awaitEnd(sub: BusSubscription<AnyWorkflowEvent>) {
    return (async () => {
      for await (const e of sub) {
        if (e.kind === 'completed' || e.kind === 'failed' || e.kind === 'cancelled') return { at: wallNow(), kind: e.kind };
      }
      throw new Error('subscription ended before the workflow did');
    })();
  }

  return {
    name,
    label:
      (mode === 'embedded' ? 'Baton embedded (SQLite, in-process queue)' : `Baton PostgreSQL + Redis + BullMQ, ${workers} worker process${workers > 1 ? 'es' : ''}`) +
      (kind === 'http' ? '; ChatOpenAI over HTTP (LLM_MODEL=openai:bench, OPENAI_BASE_URL)' : ''),
    timing: 'startWorkflow call → completed event received (after its commit)',
    async setup() {
      await agent.start();
      const forking = mode === 'redis' ? Promise.all(Array.from({ length: workers }, () => forkWorker())) : Promise.resolve([]);
      let env: Record<string, string>;
      if (mode === 'embedded') {
        const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
        cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
        env = { ...BASE_ENV, ...agent.env, SQLITE_PATH: join(dir, 'baton.sqlite') };
      } else {
        const db = await freshDatabase(`${workers}w`);
        cleanup.push(() => db.drop());
        const redis = freshRedisPrefix(`${workers}w`);
        cleanup.push(() => redis.clean());
        env = { ...BASE_ENV, ...agent.env, DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: redis.prefix };
      }
      // Embedded: one process serves the API and runs the tasks (ROLE=all). Redis: this process is
      // the API (ROLE=api: it serves and enqueues, never takes a job); the workers run the tasks.
      app = await buildApp(loadConfig({ ...env, ROLE: mode === 'embedded' ? 'all' : 'api', PORT: '0', HOST: '127.0.0.1' }), agent.factory ? { models: agent.factory } : {});
      ({ url } = await app.start());
      // With PostgreSQL auth is required: the watchers connect with a viewer key, as a dashboard would.
      key = (await app.services.keys.create('default', 'viewer', 'bench')).key;
      helpers = await forking;
      await Promise.all(helpers.map((w) => w.build(env, kind === 'fake')));
      // Warm-up: first calls, connections, JIT.
      const warm = await create(warmUpGraph());
      const sub = await app.services.bus.subscribe<AnyWorkflowEvent>(workflowTopic(warm.id), { bufferSize: 1e6 });
      const end = awaitEnd(sub);
      await app.services.workflows.start('default', warm.id);
      await end;
      sub.close();
      await spans();
    },
    async run(graph) {
      const { id, setupMs } = await create(graph);
      const sub = await app.services.bus.subscribe<AnyWorkflowEvent>(workflowTopic(id), { bufferSize: 1e7 });
      const end = awaitEnd(sub);
      await spans(); // reset
      const t0 = wallNow();
      await app.services.workflows.start('default', id);
      const { at, kind } = await end;
      sub.close();
      if (kind !== 'completed') throw new Error(`${name}: workflow ${id} ended ${kind}`);
      const { span, rss, cpuMs, connections } = await spans();
      await app.services.workflows.remove('default', id);
      return {
        makespanMs: at - t0,
        setupMs,
        ...spanFigures(graph.tasks, span, t0, at - t0),
        cpuMs,
        helperPeakRss: rss,
        connections,
      } satisfies RunResult;
    },
    async latency(graph, subscribers, transport = 'ws') {
      if (!url) throw new Error(`${name}: no HTTP server to subscribe to`);
      const { id } = await create(graph);
      const seqBefore = (await app.services.workflows.eventsAfter('default', id, 0)).at(-1)!.seq;
      // Ready means: the server holds all `subscribers` subscriptions on the workflow's hub.
      const hub = hubFor(app.services.bus);
      const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
      gc();
      const rssBefore = process.memoryUsage().rss;
      const watchers = await startWatchers();
      try {
        watchers.child.send({ url, key, workflowId: id, afterSeq: seqBefore, count: subscribers, transport });
        const until = Date.now() + 180_000;
        while (hub.subscribers(id) < subscribers) {
          if (Date.now() > until) throw new Error(`${name}: only ${hub.subscribers(id)} of ${subscribers} subscriptions became active`);
          await new Promise((r) => setTimeout(r, 10));
        }
        gc();
        const rssPerSubscriber = (process.memoryUsage().rss - rssBefore) / subscribers;
        // The run's own end (its completed event, straight off the bus in this process) beside the end of delivery.
        const own = await app.services.bus.subscribe<AnyWorkflowEvent>(workflowTopic(id), { bufferSize: 1e7 });
        const end = awaitEnd(own);
        await spans();
        const t0 = wallNow();
        await app.services.workflows.start('default', id);
        const runEnd = await end;
        own.close();
        const r = await watchers.result;
        const makespanMs = wallNow() - t0;
        const runMakespanMs = runEnd.at - t0;
        const { rss, cpuMs } = await spans();
        const lastSeq = (await app.services.workflows.eventsAfter('default', id, seqBefore)).at(-1)!.seq;
        await app.services.workflows.remove('default', id);
        const expected = lastSeq - seqBefore;
        return {
          subscribers,
          transport,
          rssPerSubscriber,
          expectedPerSubscriber: expected,
          incomplete: r.received.filter((c) => c < expected).length,
          errors: r.errors,
          errorSamples: r.errorSamples,
          p50Ms: r.p50Ms,
          p99Ms: r.p99Ms,
          maxMs: r.maxMs,
          samples: r.samples,
          makespanMs,
          runMakespanMs,
          cpuMs,
          clientCpuMs: r.clientCpuMs,
          helperPeakRss: rss,
        } satisfies LatencyResult;
      } finally {
        watchers.child.kill();
      }
    },
    async teardown() {
      await Promise.all(helpers.map((w) => w.stop()));
      await app?.stop();
      for (const c of cleanup.reverse()) await c().catch((err) => console.error(`${name}: cleanup failed`, err));
      cleanup = [];
      await agent.stop();
    },
  };
}
