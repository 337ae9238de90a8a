import type { Attributes, SpanKind } from '@opentelemetry/api';

/**
 * A span as the hot path records it and posts to the trace worker: plain data (it crosses threads by
 * structured clone). Ids are assigned when it is recorded; times are epoch milliseconds, so a thread
 * with another time origin reads them the same.
 */
export interface SpanRecord {
  name: string;
  traceId: string;
  spanId: string;
  /** The parent's traceparent (`00-<trace>-<span>-<flags>`); none for a trace's root. */
  parent: string | undefined;
  kind: SpanKind;
  attributes: Attributes;
  startTime: number;
  endTime: number | undefined;
  error: string | undefined;
  endAttributes: Attributes | undefined;
}

/** What the main thread sends the trace worker. */
export type ToWorker = { type: 'spans'; spans: SpanRecord[] } | { type: 'shutdown' };
/** What the trace worker answers to `shutdown`, once its spans are exported (or failed to be). */
export type FromWorker = { type: 'shutdown-done' };

/** What the worker needs to build its provider and exporter. */
export interface WorkerSetup {
  endpoint: string;
  resource: Attributes;
}
