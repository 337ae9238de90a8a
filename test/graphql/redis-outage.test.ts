import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusSubscription, EventBus } from '../../src/events/event-bus.ts';
import type { AnyWorkflowEvent } from '../../src/events/types.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import {
  CreateWorkflowDocument,
  OnWorkflowEventsDocument,
  type OnWorkflowEventsSubscription,
  OnWorkflowUpdatedDocument,
  StartWorkflowDocument,
} from './__generated__/operations.ts';
import { graphqlClient, type Result } from './client.ts';
import { sseSubscribe, takeUntil, wsClient, wsSubscribe } from './transport-clients.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer && process.env.CI) throw new Error('redis-server is required in CI but is not on PATH');
const runs = hasRedisServer && (testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true);

type Ev = OnWorkflowEventsSubscription['workflowEvents'];
const isStored = (e: Ev) => e.kind !== 'TASK_OUTPUT';

/** Every result of a stream until a COMPLETED event or an error (kept, not thrown: an error is an outcome here). */
function collect<R>(stream: AsyncIterable<Result<R>>, isLast: (r: Result<R>) => boolean) {
  const items: Result<R>[] = [];
  const done = (async () => {
    try {
      for await (const r of stream) {
        items.push(r);
        if (r.errors?.length || isLast(r)) return;
      }
    } catch (err) {
      // graphql-ws rejects next() with the error list when the subscribe step fails.
      items.push({ errors: Array.isArray(err) ? err : [{ message: String(err) }] });
    }
  })();
  return { items, done };
}
const completed = (r: Result<OnWorkflowEventsSubscription>) => r.data?.workflowEvents.kind === 'COMPLETED';

describe.runIf(runs)(`subscriptions across a Redis outage on ${testDialect}`, () => {
  // A private Redis on a free port: killing it disturbs nothing else on the machine.
  const dir = mkdtempSync(join(tmpdir(), 'baton-redis-outage-'));
  let redis: ChildProcess | undefined;
  let t: TestApp | undefined;
  let server: ReturnType<typeof createHttpServer> | undefined;
  let lossyServer: ReturnType<typeof createHttpServer> | undefined;
  const clients: ReturnType<typeof wsClient>[] = [];
  const aborts: AbortController[] = [];

  afterAll(async () => {
    for (const a of aborts) a.abort();
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.stop();
    await lossyServer?.stop();
    await t?.close();
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('every open subscription gets every event of the run exactly once, in seq order, once Redis is back; workflowUpdated ends with EVENTS_INTERRUPTED', async () => {
    const port = await freePort();
    const startRedis = () => startRedisServer(port, { cwd: dir });
    redis = await startRedis();
    const models = scriptedModels({ delayMs: (k) => (k === '2' ? 1500 : k === '1' ? 300 : 200) });
    // EVENT_CATCHUP_MS=0: no periodic re-read, so only the reconnect signal can deliver what was lost.
    t = await startTestApp(
      { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: `outage-${randomUUID()}:`, RECONCILE_MS: '300', BULLMQ_LOCK_MS: '2000', ROLE: 'all', EVENT_CATCHUP_MS: '0' },
      { models: models.factory },
    );
    server = createHttpServer(t.app.services, t.app.httpAuth);
    const { url } = await server.start(0, '127.0.0.1');
    const gql = graphqlClient(t.fetch);
    const create = async () => (await gql.data(CreateWorkflowDocument, { input: { description: `outage ${randomUUID()}`, tasks: AUTH_TASKS } })).createWorkflow.id;
    const ws = () => {
      const c = wsClient(url, t!.key);
      clients.push(c);
      return c;
    };
    const sse = (workflowId: string) => {
      const a = new AbortController();
      aborts.push(a);
      return sseSubscribe(url, OnWorkflowEventsDocument, { workflowId, afterSeq: 0 }, a.signal, t!.key);
    };

    const id = await create();
    const other = await create();
    const streams = [
      collect(wsSubscribe(ws(), OnWorkflowEventsDocument, { workflowId: id, afterSeq: 0 }), completed),
      collect(wsSubscribe(ws(), OnWorkflowEventsDocument, { workflowId: id, afterSeq: 0 }), completed),
      collect(sse(id), completed),
      collect(sse(id), completed),
    ];
    const updates = collect(wsSubscribe(ws(), OnWorkflowUpdatedDocument, {}), () => false);
    await until(() => streams.every((s) => s.items.length >= 1), 'every subscription to replay CREATED', 10_000);

    await gql.data(StartWorkflowDocument, { id });
    await until(() => models.calls.some((c) => c.key === '2'), 'task 2 to start', 10_000);
    await new Promise<void>((resolve) => redis!.once('exit', () => resolve()).kill('SIGKILL'));
    const killedAt = Date.now();
    // Opened during the outage: on a workflow this process already listens to it replays and then
    // catches up like the others; on another workflow it gets a typed error at once.
    await until(
      () =>
        t!.app.services.bus.publish('probe', 1).then(
          () => false,
          () => true,
        ),
      'the outage to be known',
      5000,
    );
    await new Promise((r) => setTimeout(r, 200)); // the subscriber connection sees the drop too
    streams.push(collect(sse(id), completed));
    const refused = await takeUntil(sse(other), () => true, 5000);
    expect(refused[0]!.errors?.[0]?.extensions?.code).toBe('EVENT_BUS_UNAVAILABLE');
    // Tasks finish and commit while Redis is down; their publishes fail.
    await new Promise((r) => setTimeout(r, 1800));
    const restartedAt = Date.now();
    redis = await startRedis();

    expect(await waitForStatus(t.app, id.slice('Workflow:'.length), ['COMPLETED', 'FAILED'], 30_000)).toBe('COMPLETED');
    await Promise.race([Promise.all(streams.map((s) => s.done)), new Promise((r) => setTimeout(r, 15_000))]);
    const log = await t.app.services.workflows.eventsAfter('default', id.slice('Workflow:'.length), 0);
    const during = log.filter((e) => Date.parse(e.at) >= killedAt && Date.parse(e.at) < restartedAt);
    expect(during.length).toBeGreaterThan(0); // the outage really swallowed events
    const expected = log.map((e) => `${e.seq}:${e.kind.toUpperCase()}`);
    for (const s of streams) {
      expect(s.items.every((r) => !r.errors)).toBe(true);
      const got = s.items.map((r) => r.data!.workflowEvents).filter(isStored);
      expect(got.map((e) => `${e.seq}:${e.kind}`)).toEqual(expected);
    }

    // workflowUpdated has no log to catch up from: it says so instead of going quiet.
    await until(() => updates.items.some((r) => r.errors?.length), 'workflowUpdated to end with an error', 10_000);
    expect(updates.items.at(-1)!.errors![0]!.extensions?.code).toBe('EVENTS_INTERRUPTED');
    // After the typed error, a new subscription on the other workflow gets exactly its events.
    const resumed = await takeUntil(wsSubscribe(ws(), OnWorkflowEventsDocument, { workflowId: other, afterSeq: 0 }), () => true, 5000);
    expect(resumed.map((r) => r.data?.workflowEvents.seq)).toEqual([1]);
  });

  it('events whose delivery was lost with no reconnect to notice (another process failed to publish) come with the periodic read', async () => {
    // Runs on the app of the test above (Redis is up again): a second API on its services whose bus
    // silently drops every stored event after seq 3, and re-reads the log every 200 ms.
    const real = t!.app.services.bus;
    const lossy: EventBus = {
      ...real,
      async subscribe<T>(topic: string, o?: { bufferSize?: number }) {
        const sub = await real.subscribe<T>(topic, o);
        const lost = (e: T) => {
          const ev = e as unknown as AnyWorkflowEvent;
          return ev.kind !== 'task_output' && ev.seq > 3;
        };
        const wrapped: BusSubscription<T> = {
          async next() {
            for (;;) {
              const r = await sub.next();
              if (r.done || !lost(r.value)) return r;
            }
          },
          return: () => sub.return!(),
          close: (reason) => sub.close(reason),
          [Symbol.asyncIterator]() {
            return this;
          },
        };
        return wrapped;
      },
    };
    const services = t!.app.services;
    lossyServer = createHttpServer({ ...services, bus: lossy, config: { ...services.config, eventCatchUpMs: 200 } }, t!.app.httpAuth);
    const { url } = await lossyServer.start(0, '127.0.0.1');
    const gql = graphqlClient(t!.fetch);
    const id = (await gql.data(CreateWorkflowDocument, { input: { description: `lossy ${randomUUID()}`, tasks: AUTH_TASKS } })).createWorkflow.id;
    const c = wsClient(url, t!.key);
    clients.push(c);
    const stream = collect(wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id, afterSeq: 0 }), completed);
    await until(() => stream.items.length >= 1, 'the subscription to replay CREATED', 10_000);
    await gql.data(StartWorkflowDocument, { id });
    expect(await waitForStatus(t!.app, id.slice('Workflow:'.length), ['COMPLETED', 'FAILED'], 30_000)).toBe('COMPLETED');
    await Promise.race([stream.done, new Promise((r) => setTimeout(r, 10_000))]);
    const log = await t!.app.services.workflows.eventsAfter('default', id.slice('Workflow:'.length), 0);
    expect(stream.items.every((r) => !r.errors)).toBe(true);
    const got = stream.items.map((r) => r.data!.workflowEvents).filter(isStored);
    expect(got.map((e) => `${e.seq}:${e.kind}`)).toEqual(log.map((e) => `${e.seq}:${e.kind.toUpperCase()}`));
  });
});
