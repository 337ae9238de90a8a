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

/** Ended spans are turned into SDK spans at most this long after they end (or sooner, see FLUSH_AT). */
const FLUSH_MS = 1000;
/** …or as soon as this many have ended, so a busy process keeps a bounded backlog. */
const FLUSH_AT = 2048;

/**
 * A span as the hot path records it: a few fields and a clock reading. It becomes an SDK span only when
 * flushed, with the recorded start and end times: creating SDK spans (ids, attribute copies, context)
 * and serialising them cost about 20 µs each, which on a burst of 500 task starts is what a traced run
 * lost to an untraced one. Deferred, that work runs after the burst instead of inside it.
 */
export class TraceSpan {
  endTime: number | undefined;
  error: string | undefined;
  endAttributes: Attributes | undefined;
  /** The SDK span, once flushed (or once a child needed it as its parent). */
  sdk: Span | undefined;
  constructor(
    readonly name: string,
    public parent: string | TraceSpan | undefined,
    readonly attributes: Attributes,
    readonly kind: SpanKind,
    readonly startTime: number,
  ) {}
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
  let ended: TraceSpan[] = [];
  let timer: NodeJS.Timeout | undefined;

  function contextOf(parent: string | Span | undefined) {
    if (typeof parent === 'string') {
      const sc = parseTraceParent(parent);
      return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
    }
    return parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  }

  /** The SDK span of a recorded one, created (parents first) with its recorded start time. */
  function materialize(s: TraceSpan): Span {
    if (!s.sdk) {
      const parent = s.parent instanceof TraceSpan ? materialize(s.parent) : s.parent;
      s.sdk = tracer.startSpan(s.name, { kind: s.kind, attributes: s.attributes, startTime: s.startTime }, contextOf(parent));
      s.parent = undefined; // the SDK span holds its parent's context; the record need not keep the chain
    }
    return s.sdk;
  }

  function flush() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = ended;
    ended = [];
    for (const s of batch) {
      const span = materialize(s);
      if (s.endAttributes) span.setAttributes(s.endAttributes);
      if (s.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
      span.end(s.endTime);
    }
  }

  return {
    /** A span under `parent` (a traceparent or a recorded span); a new trace when there is none. */
    start(name: string, parent: string | TraceSpan | undefined, attributes: Attributes, kind: SpanKind = SpanKind.INTERNAL): TraceSpan {
      return new TraceSpan(name, parent, attributes, kind, performance.now());
    },
    /** Ends the span, marking it failed when there is an error message; exported after the next flush. */
    end(span: TraceSpan, error?: string, attributes?: Attributes) {
      if (span.endTime !== undefined) return;
      span.endTime = performance.now();
      span.error = error;
      span.endAttributes = attributes;
      ended.push(span);
      if (ended.length === FLUSH_AT) setImmediate(flush);
      else if (ended.length === 1) timer = setTimeout(flush, FLUSH_MS).unref();
    },
    /**
     * A workflow's root span, created at once: its traceparent is stored with the workflow before
     * anything else of the run happens. `end` names it after the stored workflow.
     */
    root(attributes: Attributes): { traceparent: string; end(name: string, attributes: Attributes): void } {
      const span = tracer.startSpan('workflow', { attributes }, ROOT_CONTEXT);
      return {
        traceparent: traceparentOf(span),
        end(name, attrs) {
          span.updateName(name);
          span.setAttributes(attrs);
          span.end();
        },
      };
    },
    /** Exports what is recorded and buffered, then stops (app stop). */
    async shutdown() {
      flush();
      await provider.shutdown();
    },
  };
}

export type Tracing = ReturnType<typeof createTracing>;
