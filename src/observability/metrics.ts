import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Queue depth as a dispatcher sees it: the shared BullMQ queue, or this process's local queue. */
export interface QueueCounts {
  waiting: number;
  active: number;
}

/** How long a scrape waits for the queue's counts (Redis unreachable: the gauges keep their last value). */
const QUEUE_COUNT_TIMEOUT_MS = 1000;

const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const DELAY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * One app's Prometheus metrics, in a registry of its own (never prom-client's global one: several
 * apps share a test process). Recording is a synchronous increment; nothing here awaits on the
 * engine's path. Queue gauges are read at scrape time.
 */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  let queueCounts: (() => Promise<QueueCounts>) | undefined;
  let lastCounts: QueueCounts | undefined;
  let pendingCounts: Promise<QueueCounts | undefined> | undefined;

  /** One read of the queue per scrape, shared by both gauges. */
  function readQueue(): Promise<QueueCounts | undefined> {
    if (!queueCounts) return Promise.resolve(undefined);
    pendingCounts ??= withTimeout(queueCounts(), QUEUE_COUNT_TIMEOUT_MS)
      .then(
        (c) => (lastCounts = c ?? lastCounts),
        () => lastCounts,
      )
      .finally(() => (pendingCounts = undefined));
    return pendingCounts;
  }

  const m = {
    registry,
    workflows: new Counter({
      name: 'baton_workflows_total',
      help: 'Workflows that reached a status, by status (counted by the process that committed it).',
      labelNames: ['status'],
      registers: [registry],
    }),
    tasks: new Counter({
      name: 'baton_tasks_total',
      help: 'Task attempts that ended in this process, by agent and final status (COMPLETED, FAILED, CANCELLED).',
      labelNames: ['agent', 'status'],
      registers: [registry],
    }),
    taskRetries: new Counter({ name: 'baton_task_retries_total', help: 'Failed task attempts that will be tried again, by agent.', labelNames: ['agent'], registers: [registry] }),
    taskDuration: new Histogram({
      name: 'baton_task_duration_seconds',
      help: "Time from a task's first attempt to its completion or failure, by agent.",
      labelNames: ['agent'],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    }),
    taskStartDelay: new Histogram({
      name: 'baton_task_start_delay_seconds',
      help: 'Time from a task becoming ready to its first model call, by agent.',
      labelNames: ['agent'],
      buckets: DELAY_BUCKETS,
      registers: [registry],
    }),
    modelCalls: new Counter({
      name: 'baton_model_calls_total',
      help: 'Model calls (tasks and planning), by model and outcome (ok, error, timeout, cancelled).',
      labelNames: ['model', 'outcome'],
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'baton_model_tokens_total',
      help: 'Tokens reported by the model (estimated by the offline model), by model and direction (input, output).',
      labelNames: ['model', 'direction'],
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'baton_events_published_total',
      help: 'Workflow events published by this process, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    subscriptions: new Gauge({ name: 'baton_subscriptions_active', help: 'GraphQL subscriptions open on this process (graphql-ws and SSE).', registers: [registry] }),
    queueWaiting: new Gauge({
      name: 'baton_queue_waiting',
      help: "Tasks waiting to run: the shared BullMQ queue (the same on every process), or this process's queue when embedded.",
      registers: [registry],
      async collect() {
        const c = await readQueue();
        if (c) this.set(c.waiting);
      },
    }),
    queueActive: new Gauge({
      name: 'baton_queue_active',
      help: "Tasks running: jobs active in the shared BullMQ queue, or this process's running tasks when embedded.",
      registers: [registry],
      async collect() {
        const c = await readQueue();
        if (c) this.set(c.active);
      },
    }),
    /** Where the queue gauges read from (the app's dispatcher). */
    watchQueue(fn: () => Promise<QueueCounts>) {
      queueCounts = fn;
    },
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
