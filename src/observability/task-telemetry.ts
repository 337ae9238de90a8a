import type { Attributes } from '@opentelemetry/api';
import type { ClaimedTask, ReadyTask, TokenUsage } from '../engine/types.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';
import type { Tracing, TraceSpan } from './tracing.ts';

/** What a model call's label and GenAI attributes say about the model. */
export interface ModelInfo {
  /** The configured string, e.g. `openai:gpt-4o-mini` or `offline`: the metrics' `model` label. */
  label: string;
  provider: string;
  model: string;
}

/** How a failed model call ended, for `baton_model_calls_total{outcome}`. */
export function modelOutcome(err: unknown, aborted: boolean): 'timeout' | 'cancelled' | 'error' {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'AttemptTimeoutError' && !aborted) return 'timeout';
  if (aborted || name === 'AbortError' || name === 'CancelledSignal' || name === 'ShutdownSignal' || name === 'NotClaimedSignal') return 'cancelled';
  return 'error';
}

/** The model's own usage figures from an AIMessage (or nothing, e.g. for a structured-output result). */
export function usageOf(answer: unknown): TokenUsage | undefined {
  const u = (answer as { usage_metadata?: { input_tokens?: number; output_tokens?: number } } | null)?.usage_metadata;
  return u ? { input: u.input_tokens ?? 0, output: u.output_tokens ?? 0 } : undefined;
}

/** The trace id in a W3C traceparent (`00-<trace id>-<span id>-<flags>`), for log lines. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent)?.[1] : undefined;
}

/** Shared by the task, planning and model-call observers of one app. */
export interface Observers {
  metrics: Metrics;
  tracing: Tracing | null;
  logger: Logger;
  modelInfo(spec: string | null | undefined): ModelInfo;
}

/** One model call: a counter, token counters, and (tracing) a GenAI `chat` span. */
export class ModelCall {
  private readonly span: TraceSpan | undefined;
  constructor(
    private readonly o: Observers,
    private readonly info: ModelInfo,
    parent: TraceSpan | string | undefined,
  ) {
    if (o.tracing) {
      this.span = o.tracing.start(
        `chat ${info.model}`,
        parent,
        {
          'gen_ai.operation.name': 'chat',
          'gen_ai.system': info.provider,
          'gen_ai.provider.name': info.provider,
          'gen_ai.request.model': info.model,
        },
        2 /* SpanKind.CLIENT */,
      );
    }
  }

  done(usage: TokenUsage | undefined): void {
    const m = this.o.metrics;
    m.modelCalls.inc({ model: this.info.label, outcome: 'ok' });
    if (usage) {
      m.modelTokens.inc({ model: this.info.label, direction: 'input' }, usage.input);
      m.modelTokens.inc({ model: this.info.label, direction: 'output' }, usage.output);
    }
    if (this.span) this.o.tracing!.end(this.span, undefined, usage ? { 'gen_ai.usage.input_tokens': usage.input, 'gen_ai.usage.output_tokens': usage.output } : undefined);
  }

  failed(err: unknown, aborted: boolean): void {
    const outcome = modelOutcome(err, aborted);
    this.o.metrics.modelCalls.inc({ model: this.info.label, outcome });
    if (this.span) this.o.tracing!.end(this.span, outcome, { 'error.type': outcome === 'error' ? String((err as Error)?.name ?? 'Error') : outcome });
  }

  /** Observes the call; its usage is read from the answer (by default as an AIMessage's usage_metadata). */
  watch<T>(call: Promise<T>, signal?: AbortSignal, usage: (answer: T) => TokenUsage | undefined = usageOf): Promise<T> {
    return call.then(
      (answer) => {
        this.done(usage(answer));
        return answer;
      },
      (err: unknown) => {
        this.failed(err, signal?.aborted ?? false);
        throw err;
      },
    );
  }
}

/**
 * One task's run in this process (its attempts, until it completes, fails or stops): the task
 * metrics, a span per attempt under the workflow's trace, and the one log line per start, retry,
 * finish and failure. Role and pid come from the logger's base fields.
 */
export class TaskRun {
  private readonly began = Date.now();
  private readyAt: number | undefined;
  private readonly traceparent: string | undefined;
  private readonly traceId: string | undefined;
  private span: TraceSpan | undefined;

  constructor(
    private readonly o: Observers,
    private readonly task: ClaimedTask,
    ready: ReadyTask | undefined,
  ) {
    this.readyAt = ready?.readyAt;
    this.traceparent = ready?.traceparent;
    this.traceId = o.tracing ? traceIdOf(this.traceparent) : undefined;
  }

  private fields(): Record<string, unknown> {
    const t = this.task;
    const f: Record<string, unknown> = { workflowId: t.workflowId, taskId: t.taskId, taskKey: t.key, agent: t.agent, attempt: t.attempt };
    if (this.traceId) f.traceId = this.traceId;
    return f;
  }

  /** An attempt begins (the first, or one after a retry's backoff). */
  attempt(): void {
    // Fields are built only for a level that is written (a silenced logger costs a task nothing).
    if (this.o.logger.isLevelEnabled('info')) this.o.logger.info(this.fields(), 'task started');
    if (this.o.tracing) {
      const t = this.task;
      const attrs: Attributes = { 'baton.workflow.id': t.workflowId, 'baton.task.id': t.taskId, 'baton.task.key': t.key, 'baton.agent': t.agent, 'baton.task.attempt': t.attempt };
      this.span = this.o.tracing.start(`task ${t.key} @${t.agent}`, this.traceparent, attrs);
    }
  }

  /** The attempt's model call; the first one of the run records the task's start delay. */
  modelCall(spec: string | null | undefined): ModelCall {
    if (this.readyAt !== undefined) {
      this.o.metrics.taskStartDelay.observe({ agent: this.task.agent }, Math.max(0, Date.now() - this.readyAt) / 1000);
      this.readyAt = undefined;
    }
    return new ModelCall(this.o, this.o.modelInfo(spec), this.span);
  }

  retrying(error: string, delayMs: number): void {
    this.o.metrics.taskRetries.inc({ agent: this.task.agent });
    // task.attempt is already the next one: the failed attempt is the one before it.
    if (this.o.logger.isLevelEnabled('info')) this.o.logger.info({ ...this.fields(), attempt: this.task.attempt - 1, error, delayMs }, 'task retrying');
    this.endSpan(error);
  }

  failed(error: string): void {
    this.finish('FAILED');
    if (this.o.logger.isLevelEnabled('warn')) this.o.logger.warn({ ...this.fields(), error, durationMs: Date.now() - this.began }, 'task failed');
    this.endSpan(error);
  }

  completed(): void {
    this.finish('COMPLETED');
    if (this.o.logger.isLevelEnabled('info')) this.o.logger.info({ ...this.fields(), durationMs: Date.now() - this.began }, 'task finished');
    this.endSpan(undefined);
  }

  /**
   * Ended otherwise: cancelled (nothing more is written), released at shutdown (another process goes
   * on), superseded (its claim did not commit, or another process took it over), or an unexpected error.
   */
  stopped(reason: 'cancelled' | 'released' | 'superseded' | 'error'): void {
    if (reason === 'cancelled') this.o.metrics.tasks.inc({ agent: this.task.agent, status: 'CANCELLED' });
    this.endSpan(reason);
  }

  private finish(status: 'COMPLETED' | 'FAILED') {
    const agent = this.task.agent;
    this.o.metrics.tasks.inc({ agent, status });
    this.o.metrics.taskDuration.observe({ agent }, (Date.now() - this.began) / 1000);
  }

  private endSpan(error: string | undefined) {
    if (!this.span) return;
    this.o.tracing!.end(this.span, error);
    this.span = undefined;
  }
}
