import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerSetup } from './trace-record.ts';
import { createSpanBuilder } from './trace-sdk.ts';

/**
 * The trace worker (a worker_thread started by tracing.ts): all OpenTelemetry SDK work (span objects,
 * batching, OTLP/HTTP JSON serialisation and sending) happens here, off the thread that runs tasks.
 */
const setup = workerData as WorkerSetup;
const builder = createSpanBuilder(new OTLPTraceExporter({ url: `${setup.endpoint.replace(/\/+$/, '')}/v1/traces` }), setup.resource);

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'spans') builder.add(m.spans);
  else if (m.type === 'shutdown') {
    const done = () => parentPort!.postMessage({ type: 'shutdown-done' } satisfies FromWorker);
    builder.shutdown().then(done, done);
  }
});
