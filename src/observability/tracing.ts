import { type Attributes, SpanKind } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { randomFillSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { FromWorker, SpanRecord, ToWorker, WorkerSetup } from './trace-record.ts';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint: string;
  serviceName: string;
  role: string;
  /** Tests: where spans go instead of the OTLP exporter (built on this thread: an object cannot cross to the worker). */
  exporter?: SpanExporter;
  /** Told once when the trace worker fails (its spans are dropped, the app goes on). */
  onWorkerError?: (err: Error) => void;
}

/** Recorded spans are posted to the worker at most this long after they end (or sooner, see FLUSH_AT). */
const FLUSH_MS = 1000;
/** …or as soon as this many have ended, so a busy process keeps a bounded backlog. */
const FLUSH_AT = 2048;
/** How long app stop waits for the worker to export what it holds. */
const SHUTDOWN_WAIT_MS = 5000;

const TIME_ORIGIN = performance.timeOrigin;
/** Epoch milliseconds (sub-ms precision), comparable across threads whatever their time origin. */
const now = () => TIME_ORIGIN + performance.now();

/** Random hex from a pooled buffer: one randomFillSync per 4 KB instead of one per id. */
const POOL_BYTES = 4096;
let pool = '';
let poolAt = 0;
function randomHex(chars: number): string {
  if (poolAt + chars > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES)).toString('hex');
    poolAt = 0;
  }
  return pool.slice(poolAt, (poolAt += chars));
}

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * A span as the hot path records it: a few fields, pre-assigned ids and a clock reading. The SDK span
 * is built from it in the trace worker after it ends (creating SDK spans and serialising them cost
 * about 40 µs a task on the thread that ran it).
 */
export class TraceSpan implements SpanRecord {
  readonly traceId: string;
  readonly spanId = randomHex(16);
  readonly parent: string | undefined;
  readonly startTime = now();
  endTime: number | undefined = undefined;
  error: string | undefined = undefined;
  endAttributes: Attributes | undefined = undefined;
  constructor(
    public name: string,
    parent: string | TraceSpan | undefined,
    readonly attributes: Attributes,
    readonly kind: SpanKind,
  ) {
    if (parent instanceof TraceSpan) {
      this.traceId = parent.traceId;
      this.parent = parent.traceparent;
    } else if (parent !== undefined && TRACEPARENT.test(parent)) {
      this.traceId = parent.slice(3, 35);
      this.parent = parent;
    } else {
      this.traceId = randomHex(32);
      this.parent = undefined;
    }
  }
  /** The W3C traceparent of this span (sampled), what a workflow stores and a BullMQ job carries. */
  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-01`;
  }
}

/**
 * Where ended spans go: the trace worker, or (an injected exporter) an SDK on this thread, loaded
 * lazily either way so the main thread never imports the SDK for the OTLP path.
 */
interface Sink {
  post(spans: SpanRecord[]): void;
  shutdown(): Promise<void>;
}

function resourceOf(o: TracingOptions): Attributes {
  return { 'service.name': o.serviceName, 'process.pid': process.pid, 'baton.role': o.role };
}

function inProcessSink(o: TracingOptions, exporter: SpanExporter): Sink {
  let chain = import('./trace-sdk.ts').then((m) => m.createSpanBuilder(exporter, resourceOf(o)));
  return {
    post(spans) {
      chain = chain.then((b) => (b.add(spans), b));
    },
    async shutdown() {
      await (await chain).shutdown();
    },
  };
}

/**
 * The trace worker: unref'd (it never keeps a process alive), and a failure of it only drops spans:
 * reported once, never thrown into the app.
 */
function workerSink(o: TracingOptions): Sink {
  const setup: WorkerSetup = { endpoint: o.endpoint, resource: resourceOf(o) };
  let failed = false;
  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    (o.onWorkerError ?? ((e) => process.emitWarning(`trace worker failed, spans are dropped: ${e.message}`)))(err);
  };
  let worker: Worker;
  try {
    worker = new Worker(new URL('./trace-worker-boot.mjs', import.meta.url), { workerData: setup });
  } catch (err) {
    fail(err as Error);
    return { post() {}, async shutdown() {} };
  }
  worker.unref();
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  const send = (m: ToWorker) => {
    if (failed) return;
    try {
      worker.postMessage(m);
    } catch (err) {
      fail(err as Error); // e.g. an attribute value structured clone cannot copy
    }
  };
  return {
    post: (spans) => send({ type: 'spans', spans }),
    async shutdown() {
      if (!failed) {
        worker.ref(); // the export below must finish before the process may exit
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          worker.on('message', (m: FromWorker) => m.type === 'shutdown-done' && resolve());
          worker.once('exit', () => resolve());
          timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
          send({ type: 'shutdown' });
          if (failed) resolve();
        });
        clearTimeout(timer);
      }
      failed = true; // the exit below is ours, not a failure to report
      await worker.terminate();
    },
  };
}

/**
 * Loaded only when tracing is on. Every span is recorded with an explicit parent, taken from a stored
 * traceparent, so tasks run in any process or async context join their workflow's trace without a
 * context manager; the ids are assigned here, so a traceparent is known the moment a span starts.
 */
export function createTracing(o: TracingOptions) {
  const sink = o.exporter ? inProcessSink(o, o.exporter) : workerSink(o);
  let ended: SpanRecord[] = [];
  let timer: NodeJS.Timeout | undefined;

  function flush() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (ended.length === 0) return;
    const batch = ended;
    ended = [];
    sink.post(batch);
  }

  function end(span: TraceSpan, error?: string, attributes?: Attributes) {
    if (span.endTime !== undefined) return;
    span.endTime = now();
    span.error = error;
    span.endAttributes = attributes;
    ended.push(span);
    if (ended.length === FLUSH_AT) setImmediate(flush);
    else if (ended.length === 1) timer = setTimeout(flush, FLUSH_MS).unref();
  }

  return {
    /** A span under `parent` (a traceparent or a recorded span); a new trace when there is none. */
    start(name: string, parent: string | TraceSpan | undefined, attributes: Attributes, kind: SpanKind = SpanKind.INTERNAL): TraceSpan {
      return new TraceSpan(name, parent, attributes, kind);
    },
    /** Ends the span, marking it failed when there is an error message; exported after the next flush. */
    end,
    /**
     * A workflow's root span: its traceparent is known at once and stored with the workflow before
     * anything else of the run happens. `end` names it after the stored workflow.
     */
    root(attributes: Attributes): { traceparent: string; end(name: string, attributes: Attributes): void } {
      const span = new TraceSpan('workflow', undefined, attributes, SpanKind.INTERNAL);
      return {
        traceparent: span.traceparent,
        end(name, attrs) {
          span.name = name;
          end(span, undefined, attrs);
        },
      };
    },
    /** Exports what is recorded and buffered, then stops (app stop). */
    async shutdown() {
      flush();
      await sink.shutdown();
    },
  };
}

export type Tracing = ReturnType<typeof createTracing>;
