import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelWorkflowDocument,
  CreateWorkflowDocument,
  DeleteWorkflowDocument,
  GetNodeDocument,
  GetWorkflowDocument,
  GetWorkflowEventsDocument,
  ListWorkflowsDocument,
  OnWorkflowEventsDocument,
  OnWorkflowUpdatedDocument,
  type OnWorkflowUpdatedSubscription,
  RetryWorkflowDocument,
  StartWorkflowDocument,
} from '../graphql/__generated__/operations.ts';
import type { Result } from '../graphql/client.ts';
import { sseSubscribe, takeUntil, wsSubscribe } from '../graphql/transport-clients.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { shape, tenantServer, type TenantServer } from './tenants.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const local = (globalId: string) => globalId.slice('Workflow:'.length);

describe.runIf(runs)(`tenant isolation of workflows on ${testDialect}`, () => {
  let t: TestApp;
  let a: TenantServer;
  let b: TenantServer;
  const models = scriptedModels({ delayMs: () => 5 });
  const create = async (s: TenantServer, tasks = AUTH_TASKS) =>
    (await s.gql.data(CreateWorkflowDocument, { input: { description: `${s.tenant} ${randomUUID()}`, tasks } })).createWorkflow;
  /** What A's workflow looks like in the database, to see that B wrote nothing. */
  const stored = async (id: string) => {
    const { status, updatedAt, lastSeq, tenant } = (await t.app.engine.store.workflowRecord(id))!;
    const tasks = (await t.app.engine.store.tasks(id)).map((r) => ({ key: r.key, status: r.status, updatedAt: r.updatedAt }));
    return { wf: { status, updatedAt, lastSeq, tenant }, tasks, events: (await t.app.engine.store.counts(id)).events };
  };

  beforeAll(async () => {
    t = await startTestApp({}, { models: models.factory });
    a = await tenantServer(t.app.services, 'tenant-a');
    b = await tenantServer(t.app.services, 'tenant-b');
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await t?.close();
  });

  it("B gets exactly the unknown-id answer for A's workflow and task through workflow, node, workflows and the workflowEvents query", async () => {
    const wf = await create(a);
    const task = wf.tasks[0]!.id;
    const unknown = `Workflow:${randomUUID()}`;
    const unknownTask = `Task:${randomUUID()}`;
    // A sees its own: the answers below are not empty for want of data.
    expect((await a.gql.data(GetWorkflowDocument, { id: wf.id })).workflow?.id).toBe(wf.id);
    expect((await a.gql.data(GetNodeDocument, { id: task })).node).toMatchObject({ __typename: 'Task', workflow: { id: wf.id } });
    expect((await a.gql.data(GetWorkflowEventsDocument, { workflowId: wf.id })).workflowEvents.map((e) => e.kind)).toEqual(['CREATED', 'PLAN_READY']);

    for (const id of [wf.id, local(wf.id)]) {
      const mine = await b.gql.raw(GetWorkflowDocument, { id });
      const none = await b.gql.raw(GetWorkflowDocument, { id: id === wf.id ? unknown : local(unknown) });
      expect(mine.result).toEqual({ data: { workflow: null } });
      expect([mine.status, mine.body]).toEqual([none.status, none.body]);
    }
    for (const [id, other] of [
      [wf.id, unknown],
      [local(wf.id), local(unknown)],
      [task, unknownTask],
      [task.slice('Task:'.length), unknownTask.slice('Task:'.length)],
    ] as const) {
      const mine = await b.gql.raw(GetNodeDocument, { id });
      const none = await b.gql.raw(GetNodeDocument, { id: other });
      expect(mine.result).toEqual({ data: { node: null } });
      expect([mine.status, mine.body]).toEqual([none.status, none.body]);
    }
    const events = await b.gql.raw(GetWorkflowEventsDocument, { workflowId: wf.id });
    const noEvents = await b.gql.raw(GetWorkflowEventsDocument, { workflowId: unknown });
    expect(events.result.errors?.[0]).toMatchObject({ message: `Workflow ${wf.id} does not exist`, extensions: { code: 'NOT_FOUND' } });
    expect([events.status, shape(events.result, wf.id)]).toEqual([noEvents.status, shape(noEvents.result, unknown)]);

    const mineB = await create(b);
    const listB = (await b.gql.data(ListWorkflowsDocument, { first: 100 })).workflows.edges.map((e) => e.node.id);
    const listA = (await a.gql.data(ListWorkflowsDocument, { first: 100 })).workflows.edges.map((e) => e.node.id);
    expect(listB).toContain(mineB.id);
    expect(listB).not.toContain(wf.id);
    expect(listA).toContain(wf.id);
    expect(listA).not.toContain(mineB.id);
    expect((await b.gql.data(ListWorkflowsDocument, { first: 100, status: 'PLANNED' })).workflows.edges.map((e) => e.node.id)).toEqual([mineB.id]);
  });

  it("B's start, cancel, retry and delete of A's workflow are NOT_FOUND exactly as for an unknown id, and write nothing", async () => {
    const wf = await create(a);
    const unknown = `Workflow:${randomUUID()}`;
    const before = await stored(local(wf.id));
    expect(before.wf.tenant).toBe('tenant-a');
    for (const doc of [StartWorkflowDocument, CancelWorkflowDocument, RetryWorkflowDocument, DeleteWorkflowDocument] as TypedDocumentNode<unknown, { id: string }>[]) {
      const mine = await b.gql.raw(doc, { id: wf.id });
      const none = await b.gql.raw(doc, { id: unknown });
      expect(mine.result.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND', id: local(wf.id) } })]);
      expect([mine.status, shape(mine.result, local(wf.id))]).toEqual([none.status, shape(none.result, local(unknown))]);
    }
    expect(await stored(local(wf.id))).toEqual(before);
    // A can still run it: B's attempts changed nothing.
    await a.gql.data(StartWorkflowDocument, { id: wf.id });
    expect(await waitForStatus(t.app, local(wf.id), ['COMPLETED'])).toBe('COMPLETED');
    // An ended run: B's delete and retry are still NOT_FOUND, and the row stays.
    const ended = await stored(local(wf.id));
    expect((await b.gql.request(DeleteWorkflowDocument, { id: wf.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await stored(local(wf.id))).toEqual(ended);
  });

  it("the workflowEvents subscription of A's workflow by B is the unknown-id answer over graphql-ws and SSE; B's own streams", async () => {
    const wf = await create(a);
    const own = await create(b);
    const unknown = `Workflow:${randomUUID()}`;
    const wsFirst = async (workflowId: string) => {
      const it = wsSubscribe(b.ws(), OnWorkflowEventsDocument, { workflowId });
      const first = await it.next();
      return { first: first.value, then: (await it.next()).done };
    };
    const mine = await wsFirst(wf.id);
    const none = await wsFirst(unknown);
    expect(mine.first.errors).toEqual([expect.objectContaining({ message: `Workflow ${wf.id} does not exist`, extensions: { code: 'NOT_FOUND', id: wf.id } })]);
    expect([shape(mine.first, wf.id), mine.then]).toEqual([shape(none.first, unknown), none.then]);
    // The same socket kind, the caller's own workflow: events flow (B's connection is B's).
    const ownEvents = await takeUntil(wsSubscribe(b.ws(), OnWorkflowEventsDocument, { workflowId: own.id }), (r) => r.data?.workflowEvents.seq === 2);
    expect(ownEvents.map((r) => r.data?.workflowEvents.kind)).toEqual(['CREATED', 'PLAN_READY']);

    const sseMine = await takeUntil(sseSubscribe(b.url, OnWorkflowEventsDocument, { workflowId: wf.id }), () => true);
    const sseNone = await takeUntil(sseSubscribe(b.url, OnWorkflowEventsDocument, { workflowId: unknown }), () => true);
    expect(sseMine[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(shape(sseMine, wf.id)).toBe(shape(sseNone, unknown));
    const sseOwn = await takeUntil(sseSubscribe(b.url, OnWorkflowEventsDocument, { workflowId: own.id }), (r) => r.data?.workflowEvents.seq === 2);
    expect(sseOwn.map((r) => r.data?.workflowEvents.kind)).toEqual(['CREATED', 'PLAN_READY']);
  });

  /** Runs one-task workflows of the server's tenant until the stream has seen one; their ids. */
  async function probeUntilSeen(s: TenantServer, seen: { ids: string[] }) {
    const probes: string[] = [];
    await until(
      async () => {
        const probe = await create(s, AUTH_TASKS.slice(0, 1));
        probes.push(probe.id);
        await s.gql.data(StartWorkflowDocument, { id: probe.id });
        await waitForStatus(t.app, local(probe.id), ['COMPLETED']);
        await new Promise((r) => setTimeout(r, 50));
        return seen.ids.includes(probe.id);
      },
      `the ${s.tenant} subscription open`,
      20_000,
      0,
    );
    return probes;
  }

  it("workflowUpdated subscribed by B never delivers A's workflows while A's run completes; B sees its own", async () => {
    const wfA = await create(a);
    const wfB = await create(b);
    const seenB = collect(wsSubscribe(b.ws(), OnWorkflowUpdatedDocument, {}));
    const seenA = collect(wsSubscribe(a.ws(), OnWorkflowUpdatedDocument, {}));
    try {
      // graphql-ws subscribes asynchronously: each is open once it has seen a probe run of its own tenant.
      const probesB = await probeUntilSeen(b, seenB);
      const probesA = await probeUntilSeen(a, seenA);
      // A's whole run while B listens, then B's.
      await a.gql.data(StartWorkflowDocument, { id: wfA.id });
      await waitForStatus(t.app, local(wfA.id), ['COMPLETED']);
      await b.gql.data(StartWorkflowDocument, { id: wfB.id });
      await waitForStatus(t.app, local(wfB.id), ['COMPLETED']);
      await until(() => seenB.statuses.includes(`${wfB.id}:COMPLETED`) && seenA.statuses.includes(`${wfA.id}:COMPLETED`), 'the last updates', 20_000);
      // Probes sent before a subscription opened are not seen: each saw only its tenant's workflows, and its run.
      expect(seenB.ids.filter((id) => !probesB.includes(id))).toEqual([wfB.id]);
      expect(seenA.ids.filter((id) => !probesA.includes(id))).toEqual([wfA.id]);
      expect(seenB.statuses.filter((s) => s.startsWith(wfB.id))).toEqual([`${wfB.id}:EXECUTING`, `${wfB.id}:COMPLETED`]);
    } finally {
      await Promise.all([seenA.stop(), seenB.stop()]);
    }
  });
});

/** Reads a workflowUpdated stream in the background until stopped. */
function collect(it: AsyncIterableIterator<Result<OnWorkflowUpdatedSubscription>>) {
  const got = { ids: [] as string[], statuses: [] as string[], errors: [] as unknown[] };
  const done = (async () => {
    for await (const r of it) {
      if (r.errors) got.errors.push(r.errors);
      const u = r.data?.workflowUpdated;
      if (!u) continue;
      if (!got.ids.includes(u.id)) got.ids.push(u.id);
      got.statuses.push(`${u.id}:${u.status}`);
    }
  })();
  return {
    ...got,
    async stop() {
      await it.return?.();
      await done;
      expect(got.errors).toEqual([]);
    },
  };
}
