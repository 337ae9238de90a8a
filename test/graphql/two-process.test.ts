import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/server/http-server.ts';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { type BatonProcess, deleteRedisKeys, killAllBatons, spawnBaton, until } from '../support/processes.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testRedisPrefix } from '../support/services.ts';
import { CreateWorkflowDocument, OnWorkflowEventsDocument, StartWorkflowDocument } from './__generated__/operations.ts';
import { graphqlClient } from './client.ts';
import { takeUntil, wsClient, wsSubscribe } from './transport-clients.ts';

// Process A is a separate Baton (node src/main.ts, ROLE=all, offline model); B is an API-only Baton in
// the test process. They share one PostgreSQL database and one Redis, as two processes behind a load balancer.
const runs = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(runs)('two API processes on one Redis', () => {
  const prefix = testRedisPrefix();
  let db: TestDatabase;
  let a: BatonProcess;
  let aUrl: string;
  let b: TestApp;
  let bServer: ReturnType<typeof createHttpServer>;
  let client: ReturnType<typeof wsClient>;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    const env = { ...db.env, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix };
    a = spawnBaton({ ...env, ROLE: 'all', OFFLINE_TOKEN_DELAY_MS: '0' }, 'A');
    await a.ready;
    aUrl = await until(() => /GraphQL at (\S+)/.exec(a.output())?.[1], 'A to print its URL');
    b = await startTestApp({ ...env, ROLE: 'api' }, {}, db);
    bServer = createHttpServer(b.app.services, b.app.httpAuth);
    client = wsClient((await bServer.start(0, '127.0.0.1')).url, b.key);
  });
  afterAll(async () => {
    await client?.dispose();
    await bServer?.stop();
    await b?.close();
    await killAllBatons();
    await db?.drop();
    await deleteRedisKeys(REDIS_TEST_URL, prefix);
  });

  it('a subscriber on B sees every event of a workflow created and started on A', async () => {
    // B's key: A reads the same database.
    const onA = graphqlClient((_url, init) => fetch(aUrl, init), b.key);
    const id = (await onA.data(CreateWorkflowDocument, { input: { description: 'two processes', tasks: AUTH_TASKS } })).createWorkflow.id;
    const received = takeUntil(wsSubscribe(client, OnWorkflowEventsDocument, { workflowId: id, afterSeq: 0 }), (r) => r.data?.workflowEvents.kind === 'COMPLETED');
    // Let B's subscription reach its live phase first: what follows must come through Redis, not the replay.
    await new Promise((r) => setTimeout(r, 300));
    await onA.data(StartWorkflowDocument, { id });
    const events = (await received).map((r) => r.data!.workflowEvents);
    const stored = await b.app.services.workflows.eventsAfter('default', id.slice('Workflow:'.length), 0);
    expect(events.filter((e) => e.kind !== 'TASK_OUTPUT').map((e) => `${e.seq}:${e.kind}`)).toEqual(stored.map((e) => `${e.seq}:${e.kind.toUpperCase()}`));
    expect(events.filter((e) => e.kind === 'TASK_COMPLETED')).toHaveLength(8);
    // Streamed agent text is live-only: it can only have come from A through Redis.
    expect(events.some((e) => e.kind === 'TASK_OUTPUT')).toBe(true);
  });
});
