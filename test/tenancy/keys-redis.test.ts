import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWorkflowDocument,
  GetNodeDocument,
  GetWorkflowDocument,
  GetWorkflowEventsDocument,
  ListWorkflowsDocument,
  OnWorkflowEventsDocument,
  OnWorkflowUpdatedDocument,
  StartWorkflowDocument,
} from '../graphql/__generated__/operations.ts';
import { graphqlClient } from '../graphql/client.ts';
import { sseSubscribe, takeUntil, wsClient, wsSubscribe } from '../graphql/transport-clients.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus, withKey } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { REDIS_TEST_URL, serviceAvailable, testDialect, testRedisPrefix } from '../support/services.ts';
import { shape } from './tenants.ts';

/**
 * Issue 12's acceptance, end to end: AUTH=required with Redis (and PostgreSQL in the postgresql
 * project), real API keys of two tenants, every transport. The other tenancy suites name the
 * tenant with a test resolver; this one goes through the key check itself.
 */
const runs = (await serviceAvailable('redis')) && (testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true);
const local = (globalId: string) => globalId.slice('Workflow:'.length);

describe.runIf(runs)(`API keys of two tenants, AUTH=required with Redis, on ${testDialect}`, () => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  const models = scriptedModels({ delayMs: () => 20 });
  const as = (key: string) => graphqlClient((input, init) => t.app.fetch(input, withKey(init, key)));

  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: testRedisPrefix(), AUTH: 'required' }, { models: models.factory });
    for (const [name, tenant, role] of [
      ['aOperator', 'tenant-a', 'operator'],
      ['bOperator', 'tenant-b', 'operator'],
      ['bViewer', 'tenant-b', 'viewer'],
    ] as const) {
      keys[name] = (await t.app.services.keys.create(tenant, role, name)).key;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('no key is 401 UNAUTHENTICATED; a viewer mutation is FORBIDDEN and writes nothing', async () => {
    const anonymous = await graphqlClient(t.app.fetch).raw(ListWorkflowsDocument, { first: 5 });
    expect(anonymous.status).toBe(401);
    expect(anonymous.result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const count = async () => (await t.app.engine.store.counts()).workflows;
    const before = await count();
    const denied = await as(keys.bViewer!).request(CreateWorkflowDocument, { input: { description: 'viewer', tasks: AUTH_TASKS } });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(denied.data ?? null).toBeNull();
    expect(await count()).toBe(before);
  });

  it("tenant B's keys get the unknown-id answer for A's workflow over HTTP, graphql-ws and SSE, and workflowUpdated never shows A's", async () => {
    const a = as(keys.aOperator!);
    const b = as(keys.bViewer!);
    const wf = (await a.data(CreateWorkflowDocument, { input: { description: `a ${randomUUID()}`, tasks: AUTH_TASKS } })).createWorkflow;
    const unknown = `Workflow:${randomUUID()}`;

    const mine = await b.raw(GetWorkflowDocument, { id: wf.id });
    const none = await b.raw(GetWorkflowDocument, { id: unknown });
    expect(mine.result).toEqual({ data: { workflow: null } });
    expect([mine.status, mine.body]).toEqual([none.status, none.body]);
    expect((await b.data(GetNodeDocument, { id: wf.tasks[0]!.id })).node).toBeNull();
    expect((await b.data(ListWorkflowsDocument, { first: 100 })).workflows.edges.map((e) => e.node.id)).not.toContain(wf.id);
    const events = await b.raw(GetWorkflowEventsDocument, { workflowId: wf.id });
    const noEvents = await b.raw(GetWorkflowEventsDocument, { workflowId: unknown });
    expect(events.result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(shape(events.result, wf.id)).toBe(shape(noEvents.result, unknown));

    const ws = wsClient(t.url!, keys.bViewer);
    try {
      const wsFirst = async (workflowId: string) => (await wsSubscribe(ws, OnWorkflowEventsDocument, { workflowId }).next()).value;
      expect(shape(await wsFirst(wf.id), wf.id)).toBe(shape(await wsFirst(unknown), unknown));
      expect((await wsFirst(wf.id)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const sseMine = await takeUntil(sseSubscribe(t.url!, OnWorkflowEventsDocument, { workflowId: wf.id }, undefined, keys.bViewer), () => true);
      const sseNone = await takeUntil(sseSubscribe(t.url!, OnWorkflowEventsDocument, { workflowId: unknown }, undefined, keys.bViewer), () => true);
      expect(sseMine[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(shape(sseMine, wf.id)).toBe(shape(sseNone, unknown));

      // B watches every update while A's run completes, then B runs one of its own: B sees only its own.
      const seen: string[] = [];
      const updates = wsSubscribe(ws, OnWorkflowUpdatedDocument, {});
      const watching = (async () => {
        for await (const r of updates) {
          const id = r.data?.workflowUpdated.id;
          if (id) seen.push(id);
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      await a.data(StartWorkflowDocument, { id: wf.id });
      expect(await waitForStatus(t.app, local(wf.id), ['COMPLETED'])).toBe('COMPLETED');
      const bOp = as(keys.bOperator!);
      const own = (await bOp.data(CreateWorkflowDocument, { input: { description: 'b', tasks: AUTH_TASKS.slice(0, 1) } })).createWorkflow;
      await bOp.data(StartWorkflowDocument, { id: own.id });
      expect(await waitForStatus(t.app, local(own.id), ['COMPLETED'])).toBe('COMPLETED');
      const deadline = Date.now() + 10_000;
      while (!seen.includes(own.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toContain(own.id);
      expect(seen).not.toContain(wf.id);
      await updates.return?.(undefined);
      await Promise.race([watching, new Promise((r) => setTimeout(r, 1000))]);
    } finally {
      await ws.dispose();
    }
  });
});
