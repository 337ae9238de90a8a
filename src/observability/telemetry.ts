import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { parseModelString } from '../agents/model-factory.ts';
import type { Db } from '../db/orm.ts';
import { fromJson } from '../db/sql.ts';
import type { Dispatcher } from '../engine/dispatcher.ts';
import type { Committed } from '../engine/store/index.ts';
import type { ClaimedTask, ReadyTask } from '../engine/types.ts';
import type { Publisher } from '../events/publisher.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { ModelCall, type ModelInfo, type Observers, TaskRun } from './task-telemetry.ts';
import type { Tracing, TraceSpan } from './tracing.ts';

export { ModelCall, TaskRun } from './task-telemetry.ts';

export interface TelemetryOptions {
  role: string;
  logger: Logger;
  /** The configured default model (LLM_MODEL), for calls of agents without a model of their own. */
  defaultModel: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT; tracing is off (nothing set up) without it. */
  otlpEndpoint?: string;
  serviceName?: string;
  /** Tests: spans go here instead of the OTLP exporter (tracing on even without an endpoint). */
  spanExporter?: SpanExporter;
  /** Process metrics (CPU, memory, event loop, GC); default on. */
  defaultMetrics?: boolean;
  /** Where workflow traceparents are read from, for tasks queued without one (tracing only). */
  db?: Db;
}

/** A planning run's span (tracing), parent of its model calls. */
export interface PlanningTelemetry {
  readonly span: TraceSpan | undefined;
  done(error?: string): void;
}

/** Stored traceparents remembered per workflow, so a run's tasks do not read them back each time. */
const TRACE_CACHE_SIZE = 10_000;

/**
 * An app's metrics, traces and task log lines, handed to the engine, planner, services and HTTP
 * server. Without OTEL_EXPORTER_OTLP_ENDPOINT, `tracing` is null and every tracing path is a null
 * check; the metrics are synchronous increments.
 */
export async function createTelemetry(o: TelemetryOptions) {
  const metrics: Metrics = createMetrics({ defaultMetrics: o.defaultMetrics });
  const tracing: Tracing | null =
    o.otlpEndpoint || o.spanExporter
      ? (await import('./tracing.ts')).createTracing({
          endpoint: o.otlpEndpoint ?? '',
          serviceName: o.serviceName ?? 'baton',
          role: o.role,
          exporter: o.spanExporter,
          onWorkerError: (err) => o.logger.warn({ err: err.message }, 'the trace worker failed: spans are dropped from now on'),
        })
      : null;
  const models = new Map<string, ModelInfo>();
  const observers: Observers = {
    metrics,
    tracing,
    logger: o.logger.child({ component: 'tasks' }),
    modelInfo(spec) {
      const label = spec?.trim() || o.defaultModel;
      let info = models.get(label);
      if (!info) {
        info = describeModel(label);
        if (models.size < 1000) models.set(label, info);
      }
      return info;
    },
  };
  /** Ready tasks running in this process, by task id: what the runner's hooks know of their queueing. */
  const running = new Map<string, ReadyTask>();
  const traces = new Map<string, string>();
  const db = o.db;

  const remember = (workflowId: string, traceparent: string) => {
    if (traces.size >= TRACE_CACHE_SIZE) traces.delete(traces.keys().next().value!);
    traces.set(workflowId, traceparent);
  };

  /** A workflow's traceparent: remembered, or read from its metadata (tracing only). */
  async function traceOf(workflowId: string): Promise<string | undefined> {
    const known = traces.get(workflowId);
    if (known || !db) return known;
    const row = (await db
      .knex('workflows')
      .select('metadata')
      .where({ id: workflowId })
      .first()
      .catch(() => undefined)) as { metadata?: unknown } | undefined;
    const tp = row ? fromJson<{ traceparent?: unknown } | null>(row.metadata)?.traceparent : undefined;
    if (typeof tp !== 'string') return undefined;
    remember(workflowId, tp);
    return tp;
  }

  /**
   * Stamps each task with its workflow's traceparent. Synchronous when every one is remembered (the
   * usual case: this process created or already ran the workflow); a promise only for a database read.
   */
  function attachTraces(tasks: ReadyTask[]): Promise<void> | undefined {
    let unknown: ReadyTask[] | undefined;
    for (const t of tasks) {
      if (t.traceparent) continue;
      const known = traces.get(t.workflowId);
      if (known) t.traceparent = known;
      else (unknown ??= []).push(t);
    }
    if (!unknown || !db) return undefined;
    return (async () => {
      for (const t of unknown) t.traceparent ??= await traceOf(t.workflowId);
    })();
  }

  return {
    metrics,
    tracing,
    /**
     * A new workflow's trace (null without tracing): its root span, ended once the workflow is
     * stored; `metadata` goes into the workflow row so every later span joins the trace.
     */
    workflowTrace(): { metadata: { traceparent: string }; created(workflowId: string): void } | null {
      if (!tracing) return null;
      const root = tracing.root({});
      const traceparent = root.traceparent;
      return {
        metadata: { traceparent },
        created(workflowId) {
          remember(workflowId, traceparent);
          root.end(`workflow ${workflowId}`, { 'baton.workflow.id': workflowId });
        },
      };
    },

    /** A planning run of the workflow: a span under its trace. */
    async planning(workflowId: string): Promise<PlanningTelemetry> {
      if (!tracing) return { span: undefined, done() {} };
      const span = tracing.start('planning', await traceOf(workflowId), { 'baton.workflow.id': workflowId });
      let ended = false;
      return {
        span,
        done(error) {
          if (!ended) tracing.end(span, error);
          ended = true;
        },
      };
    },

    /** A model call outside a task (planning): metrics, and a span under `parent` when tracing. */
    modelCall(spec: string | null | undefined, parent?: PlanningTelemetry): ModelCall {
      return new ModelCall(observers, observers.modelInfo(spec), parent?.span);
    },

    /** A claimed task's run in this process (see TaskRun). */
    task(task: ClaimedTask): TaskRun {
      return new TaskRun(observers, task, running.get(task.taskId));
    },

    /**
     * The dispatcher, stamping each task with when it became ready (and, tracing, its workflow's
     * traceparent, which BullMQ job data carries to the worker), and noting what runs here.
     */
    dispatcher(inner: Dispatcher): Dispatcher {
      const track = (task: ReadyTask, run: () => Promise<void>) => {
        running.set(task.taskId, task);
        return run().finally(() => running.delete(task.taskId));
      };
      metrics.watchQueue(() => inner.counts());
      return {
        ...inner,
        enqueue(tasks) {
          const now = Date.now();
          for (const t of tasks) t.readyAt ??= now;
          const reading = tracing ? attachTraces(tasks) : undefined;
          return reading ? reading.then(() => inner.enqueue(tasks)) : inner.enqueue(tasks);
        },
        // Planning jobs find their trace context on the workflow (telemetry.planning reads it).
        startWorking: (handler, plan, slots) =>
          inner.startWorking(
            (task, signal) => {
              if (!tracing) return track(task, () => handler(task, signal));
              // Its dependents, queued or continued by this process, carry the same context.
              if (task.traceparent) remember(task.workflowId, task.traceparent);
              const reading = attachTraces([task]);
              return reading ? reading.then(() => track(task, () => handler(task, signal))) : track(task, () => handler(task, signal));
            },
            plan,
            slots,
          ),
        runClaimed(task, run) {
          task.readyAt ??= Date.now();
          if (tracing) task.traceparent ??= traces.get(task.workflowId);
          return inner.runClaimed(task, (signal) => track(task, () => run(signal)));
        },
      };
    },

    /** The publisher, counting events by kind and workflows by the status they reach. */
    publisher(inner: Publisher): Publisher {
      return {
        ...inner,
        committed(c: Committed<unknown>) {
          for (const e of c.events) metrics.eventsPublished.inc({ kind: e.kind });
          if (c.statusChanged) metrics.workflows.inc({ status: c.status });
          return inner.committed(c);
        },
        live(e) {
          metrics.eventsPublished.inc({ kind: e.kind });
          inner.live(e);
        },
      };
    },

    /** Exports the spans still buffered (app stop). */
    async stop() {
      await tracing?.shutdown().catch((err: unknown) => o.logger.warn({ err: String(err) }, 'could not export the last spans'));
    },
  };
}

export type Telemetry = Awaited<ReturnType<typeof createTelemetry>>;

function describeModel(label: string): ModelInfo {
  try {
    const p = parseModelString(label);
    return { label, provider: p.provider, model: p.provider === 'offline' ? label : p.model };
  } catch {
    return { label, provider: 'unknown', model: label };
  }
}
