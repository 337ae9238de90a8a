import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/events/event-bus.ts';
import { hubFor } from '../../src/events/hub.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import {
  CreateWorkflowDocument,
  OnWorkflowEventsDocument,
  type OnWorkflowEventsSubscription,
  OnWorkflowUpdatedDocument,
  StartWorkflowDocument,
} from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient, type Result } from './client.ts';
import { sseSubscribe, takeUntil, wsClient, wsSubscribe } from './transport-clients.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
type Ev = OnWorkflowEventsSubscription['workflowEvents'];
const events = (rs: Result<OnWorkflowEventsSubscription>[]) => rs.map((r) => r.data!.workflowEvents);
const isStored = (e: Ev) => e.kind !== 'TASK_OUTPUT';

describe.runIf(runs)(`subscriptions over graphql-ws and SSE on ${testDialect}`, () => {
  let t: TestApp;
  let url: string;
  let server: ReturnType<typeof createHttpServer>;
  let gql: ReturnType<typeof graphqlClient>;
  const models = scriptedModels({ delayMs: () => 20 });
  const clients: ReturnType<typeof wsClient>[] = [];
  const client = () => {
    const c = wsClient(url, t.key);
    clients.push(c);
    return c;
  };
  const create = async () => (await gql.data(CreateWorkflowDocument, { input: { description: `auth ${randomUUID()}`, tasks: AUTH_TASKS } })).createWorkflow.id;
  const runToEnd = async (id: string) => {
    await gql.data(StartWorkflowDocument, { id });
    await waitForStatus(t.app, id.slice('Workflow:'.length), ['COMPLETED']);
  };

  beforeAll(async () => {
    t = await startTestApp({}, { models: models.factory });
    // A listener of our own on the app's services: startTestApp does not tell its URL.
    server = createHttpServer(t.app.services, t.app.httpAuth);
    url = (await server.start(0, '127.0.0.1')).url;
    gql = graphqlClient(t.fetch);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.stop();
    await t?.close();
  });

  it('graphql-ws: created … completed in order, seq 1..N without gaps, every task started and completed, progress to 100%', async () => {
    const id = await create();
    const stream = wsSubscribe(client(), OnWorkflowEventsDocument, { workflowId: id, afterSeq: 0 });
    const received = takeUntil(stream, (r) => r.data?.workflowEvents.kind === 'COMPLETED');
    await gql.data(StartWorkflowDocument, { id });
    const evs = events(await received);
    const stored = evs.filter(isStored);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored[0]!.kind).toBe('CREATED');
    expect(stored.at(-1)!.kind).toBe('COMPLETED');
    const keys = (kind: string) => stored.flatMap((e) => (e.kind === kind && 'key' in e ? [e.key] : [])).sort();
    expect(keys('TASK_STARTED')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(keys('TASK_COMPLETED')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(stored.filter((e) => e.kind === 'PROGRESS').at(-1)).toMatchObject({ completed: 8, total: 8, percent: 100 });
  });

  it('after the run, afterSeq: k yields exactly k+1..N over graphql-ws and over SSE', async () => {
    const id = await create();
    await runToEnd(id);
    const n = (await t.app.services.workflows.eventsAfter('default', id.slice('Workflow:'.length), 0)).length;
    const k = 3;
    const isLast = (r: Result<OnWorkflowEventsSubscription>) => r.data?.workflowEvents.seq === n;
    const overWs = events(await takeUntil(wsSubscribe(client(), OnWorkflowEventsDocument, { workflowId: id, afterSeq: k }), isLast));
    const overSse = events(await takeUntil(sseSubscribe(url, OnWorkflowEventsDocument, { workflowId: id, afterSeq: k }, undefined, t.key), isLast));
    const expected = Array.from({ length: n - k }, (_, i) => k + 1 + i);
    expect(overWs.map((e) => e.seq)).toEqual(expected);
    expect(overSse).toEqual(overWs);
  });

  it('workflowUpdated streams status changes, filtered by status, as the workflow is now', async () => {
    const updates = wsSubscribe(client(), OnWorkflowUpdatedDocument, { status: 'COMPLETED' });
    const id = await create();
    const first = takeUntil(updates, (r) => r.data?.workflowUpdated.id === id);
    await runToEnd(id);
    const got = await first;
    expect(got.at(-1)!.data!.workflowUpdated).toEqual({ id, status: 'COMPLETED', progress: { percent: 100 } });
    expect(got.every((r) => r.data?.workflowUpdated.status === 'COMPLETED')).toBe(true);
  });

  it('an unknown workflow is NOT_FOUND, over graphql-ws and SSE', async () => {
    const workflowId = randomUUID();
    const ws = wsSubscribe(client(), OnWorkflowEventsDocument, { workflowId });
    // graphql-ws delivers an error of the subscribe step as a result with errors, then completes.
    const first = await ws.next();
    expect(first.value.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND', id: workflowId } })]);
    expect(first.value.errors[0].message).toBe(`Workflow ${workflowId} does not exist`);
    expect((await ws.next()).done).toBe(true);
    const sse = await takeUntil(sseSubscribe(url, OnWorkflowEventsDocument, { workflowId }, undefined, t.key), () => true);
    expect(sse[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('ending a subscription on a quiet stream releases its subscription at once (graphql-ws and SSE); one bus subscription per topic', async () => {
    const real = t.app.services.bus;
    let open = 0;
    const bus: EventBus = {
      ...real,
      async subscribe(topic, opts) {
        const sub = await real.subscribe(topic, opts);
        const close = sub.close.bind(sub);
        let counted = true;
        open++;
        sub.close = (reason) => {
          if (counted) open--;
          counted = false;
          close(reason);
        };
        return sub;
      },
    } as EventBus;
    const counting = createHttpServer({ ...t.app.services, bus }, t.app.httpAuth);
    const { url: countingUrl } = await counting.start(0, '127.0.0.1');
    try {
      const id = await create();
      const c = wsClient(countingUrl, t.key);
      clients.push(c);
      // The process's event hub holds the topic's one bus subscription (for a while after its last
      // subscriber, so that a reconnecting client finds its output chunks); each subscriber is its own.
      const hub = hubFor(bus);
      const local = id.slice('Workflow:'.length);
      const ws = wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id });
      expect((await ws.next()).value.data.workflowEvents.seq).toBe(1);
      const ws2 = wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id });
      expect((await ws2.next()).value.data.workflowEvents.seq).toBe(1);
      await until(() => hub.subscribers(local) === 2, 'the graphql-ws subscriptions on the hub', 2000, 5);
      expect(open).toBe(1);
      await ws.return!();
      await ws2.return!();
      await until(() => hub.subscribers(local) === 0, 'the subscriptions released after the graphql-ws complete', 1000, 5);

      const abort = new AbortController();
      const sse = sseSubscribe(countingUrl, OnWorkflowEventsDocument, { workflowId: id }, abort.signal, t.key);
      expect((await sse.next()).value?.data?.workflowEvents.seq).toBe(1);
      await until(() => hub.subscribers(local) === 1, 'the SSE subscription on the hub', 2000, 5);
      abort.abort();
      await until(() => hub.subscribers(local) === 0, 'the subscription released after the SSE client went away', 1000, 5);
      expect(open).toBe(1);
    } finally {
      await counting.stop();
    }
  });

  it('caps subscriptions per connection, and stop() closes sockets with 1001 and ends SSE streams', async () => {
    const cappedServer = createHttpServer(t.app.services, { ...t.app.httpAuth, maxSubscriptionsPerConnection: 2 });
    const { url: capped } = await cappedServer.start(0, '127.0.0.1');
    const id = await create();
    const c = wsClient(capped, t.key);
    const open = [wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id }), wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id })];
    for (const s of open) expect((await s.next()).value.data.workflowEvents.seq).toBe(1);
    const third = wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id });
    await expect(third.next()).rejects.toEqual([
      expect.objectContaining({ message: expect.stringMatching(/at most 2/), extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 } }),
    ]);
    expect(c.closes).toEqual([]);

    const sse = sseSubscribe(capped, OnWorkflowEventsDocument, { workflowId: id }, undefined, t.key);
    expect((await sse.next()).value?.data?.workflowEvents.seq).toBe(1);
    const sseRest = (async () => {
      for await (const _ of sse);
    })();
    await cappedServer.stop();
    await until(() => c.closes.length > 0, 'the graphql-ws client to see the socket close', 5000, 5);
    expect(c.closes).toEqual([1001]);
    await sseRest; // ends instead of hanging
    await c.dispose();
  });
});
