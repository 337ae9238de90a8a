import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/server/http-server.ts';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { deleteRedisKeys } from '../support/processes.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testRedisPrefix } from '../support/services.ts';
import { CreateWorkflowDocument, OnWorkflowEventsDocument, StartWorkflowDocument } from './__generated__/operations.ts';
import { graphqlClient } from './client.ts';
import { takeUntil, wsClient, wsSubscribe } from './transport-clients.ts';

// Two Baton instances, each with its own Redis connections, BullMQ queue handle and HTTP server,
// on one PostgreSQL database and one Redis: what two API processes behind a load balancer share.
const runs = (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(runs)('two API processes on one Redis', () => {
  const prefix = testRedisPrefix();
  const models = scriptedModels({ delayMs: () => 15 });
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let bServer: ReturnType<typeof createHttpServer>;
  let client: ReturnType<typeof wsClient>;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    const env = { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix };
    a = await startTestApp({ ...env, ROLE: 'all' }, { models: models.factory }, db);
    b = await startTestApp({ ...env, ROLE: 'api' }, { models: models.factory }, db);
    bServer = createHttpServer(b.app.services);
    client = wsClient((await bServer.start(0, '127.0.0.1')).url);
  });
  afterAll(async () => {
    await client?.dispose();
    await bServer?.stop();
    await b?.close();
    await a?.close();
    await db?.drop();
    await deleteRedisKeys(REDIS_TEST_URL, prefix);
  });

  it('a subscriber on B sees every event of a workflow created and started on A', async () => {
    const onA = graphqlClient(a.app.fetch);
    const id = (await onA.data(CreateWorkflowDocument, { input: { description: 'two processes', tasks: AUTH_TASKS } })).createWorkflow.id;
    const received = takeUntil(
      wsSubscribe(client, OnWorkflowEventsDocument, { workflowId: id, afterSeq: 0 }),
      (r) => r.data?.workflowEvents.kind === 'COMPLETED',
    );
    // Let B's subscription reach the live phase before A starts producing.
    await new Promise((r) => setTimeout(r, 200));
    await onA.data(StartWorkflowDocument, { id });
    const events = (await received).map((r) => r.data!.workflowEvents).filter((e) => e.kind !== 'TASK_OUTPUT');
    const stored = await a.app.services.workflows.eventsAfter(id.slice('Workflow:'.length), 0);
    expect(events.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(events.map((e) => e.kind)).toEqual(stored.map((e) => e.kind.toUpperCase()));
    expect(events.filter((e) => e.kind === 'TASK_COMPLETED')).toHaveLength(8);
  });
});
