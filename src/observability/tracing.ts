import { type Attributes, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint: string;
  serviceName: string;
  role: string;
  /** Tests: where spans go instead of the OTLP exporter. */
  exporter?: SpanExporter;
}

/** The W3C `traceparent` of a span, what a workflow stores and a BullMQ job carries. */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/**
 * Loaded only when tracing is on (the SDK takes most of a second to import on a busy machine).
 * An app's own tracer provider, never registered globally (several apps share a test process):
 * every span is started with an explicit parent, taken from a stored traceparent, so tasks run in
 * any process or async context join their workflow's trace without a context manager.
 */
export function createTracing(o: TracingOptions) {
  const exporter = o.exporter ?? new OTLPTraceExporter({ url: `${o.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: o.serviceName, 'process.pid': process.pid, 'baton.role': o.role }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('baton');

  return {
    /** A span under `parent` (a traceparent or a live span); a new trace when there is none. */
    start(name: string, parent: string | Span | undefined, attributes: Attributes, kind: SpanKind = SpanKind.INTERNAL): Span {
      let ctx = ROOT_CONTEXT;
      if (typeof parent === 'string') {
        const sc = parseTraceParent(parent);
        if (sc) ctx = trace.setSpanContext(ROOT_CONTEXT, sc);
      } else if (parent) {
        ctx = trace.setSpan(ROOT_CONTEXT, parent);
      }
      return tracer.startSpan(name, { kind, attributes }, ctx);
    },
    /** Ends the span, marking it failed when there is an error message. */
    end(span: Span, error?: string, attributes?: Attributes) {
      if (attributes) span.setAttributes(attributes);
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end();
    },
    traceparent: traceparentOf,
    /** Exports what is buffered, then stops (app stop). */
    shutdown: () => provider.shutdown(),
  };
}

export type Tracing = ReturnType<typeof createTracing>;
