import { type Attributes, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanRecord } from './trace-record.ts';

/**
 * Turns recorded spans into SDK spans and exports them: runs in the trace worker (or, for an
 * in-process exporter a test injects, on the calling thread). The SDK never picks an id: the ids the
 * main thread assigned (and already handed out as traceparents) are the ones exported.
 */
export function createSpanBuilder(exporter: SpanExporter, resource: Attributes) {
  let ids = { traceId: '', spanId: '' };
  // Asked by tracer.startSpan, synchronously, for the span being built right now.
  const idGenerator: IdGenerator = { generateTraceId: () => ids.traceId, generateSpanId: () => ids.spanId };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    idGenerator,
    // A burst (a 1,000-task graph) arrives as one batch: the queue must hold it rather than drop spans.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 2048, scheduledDelayMillis: 500 })],
  });
  const tracer = provider.getTracer('baton');

  function build(r: SpanRecord) {
    const sc = r.parent ? parseTraceParent(r.parent) : null;
    ids = r;
    const span = tracer.startSpan(r.name, { kind: r.kind, attributes: r.attributes, startTime: r.startTime }, sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT);
    if (r.endAttributes) span.setAttributes(r.endAttributes);
    if (r.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: r.error });
    span.end(r.endTime);
  }

  return {
    /** Builds and ends each span (exported by the batch processor); a malformed record is skipped. */
    add(records: SpanRecord[]) {
      for (const r of records) {
        try {
          build(r);
        } catch {
          // one bad record (a value structured clone mangled) must not lose the rest of the batch
        }
      }
    },
    /** Exports everything added, then stops. */
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}
