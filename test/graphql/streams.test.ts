import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferedSubscription, type EventBus, SubscriberLaggedError } from '../../src/events/event-bus.ts';
import { mapStream, StreamFailure } from '../../src/schema/streams.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import { CreateWorkflowDocument, OnWorkflowEventsDocument } from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';
import { sseSubscribe } from './transport-clients.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe('mapStream', () => {
  it('maps, skips undefined, and turns a source error into one StreamFailure item, then done', async () => {
    const source = new BufferedSubscription<number>(2, () => undefined);
    const out = mapStream(source, (n) => (n % 2 ? n * 10 : undefined));
    source.push(1);
    source.push(2);
    expect(await out.next()).toEqual({ done: false, value: 10 });
    source.push(3);
    source.push(4);
    source.push(5); // overflows the buffer of 2: the subscription lags
    const failure = (await out.next()).value;
    expect(failure).toBeInstanceOf(StreamFailure);
    expect((failure as StreamFailure).error).toBeInstanceOf(SubscriberLaggedError);
    expect(await out.next()).toEqual({ done: true, value: undefined });
  });

  it('return() ends a pending next() at once, and so does the abort signal', async () => {
    const a = new BufferedSubscription<number>(10, () => undefined);
    const outA = mapStream(a, (n) => n);
    const pendingA = outA.next();
    await outA.return!();
    expect(await pendingA).toEqual({ done: true, value: undefined });

    const b = new BufferedSubscription<number>(10, () => undefined);
    const stop = new AbortController();
    const pendingB = mapStream(b, (n) => n, stop.signal).next();
    stop.abort();
    expect(await pendingB).toEqual({ done: true, value: undefined });
  });
});

describe.runIf(runs)(`a lagging subscriber on ${testDialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => t?.close());

  it('gets a SUBSCRIBER_LAGGED error naming how to resume, then the stream completes', async () => {
    const { createWorkflow: w } = await graphqlClient(t.fetch).data(CreateWorkflowDocument, { input: { description: 'lag', tasks: AUTH_TASKS } });
    const workflowId = w.id.slice('Workflow:'.length);
    const live = (seq: number) => ({ workflowId, seq, kind: 'started', at: new Date().toISOString(), payload: { total: 8 } });
    // A bus whose subscriptions hold one event: three published at once overflow it.
    const bus = {
      ...t.app.services.bus,
      async subscribe() {
        const sub = new BufferedSubscription<unknown>(1, () => undefined);
        setTimeout(() => [101, 102, 103].forEach((seq) => sub.push(live(seq))), 100);
        return sub;
      },
    } as EventBus;
    const server = createHttpServer({ ...t.app.services, bus }, t.app.httpAuth);
    const { url } = await server.start(0, '127.0.0.1');
    try {
      const results = [];
      // Ends only if the server completes the stream after the error.
      for await (const r of sseSubscribe(url, OnWorkflowEventsDocument, { workflowId: w.id }, undefined, t.key)) results.push(r);
      expect(results.at(-2)?.data?.workflowEvents.seq).toBe(101);
      expect(results.at(-1)!.errors![0]).toMatchObject({
        message: expect.stringMatching(/subscribe again with afterSeq/),
        extensions: { code: 'SUBSCRIBER_LAGGED', bufferSize: 1 },
      });
    } finally {
      await server.stop();
    }
  });
});
