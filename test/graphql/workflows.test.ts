import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWorkflowDocument,
  type CreateWorkflowInput,
  DeleteWorkflowDocument,
  GetNodeDocument,
  GetWorkflowDocument,
  GetWorkflowEventsDocument,
  ListWorkflowsDocument,
} from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { sleep } from '../support/processes.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`GraphQL workflows on ${testDialect}`, () => {
  let t: TestApp;
  let gql: ReturnType<typeof graphqlClient>;
  const auth = (description = 'Build a complete authentication system with JWT tokens'): CreateWorkflowInput => ({
    description,
    channelId: 'auth',
    tasks: AUTH_TASKS,
  });

  beforeAll(async () => {
    t = await startTestApp();
    gql = graphqlClient(t.fetch);
  });
  afterAll(async () => t?.close());

  it('createWorkflow with the auth DAG returns its 8 tasks with dependsOn and dependents, PLANNED', async () => {
    const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: auth() });
    expect(w.id).toMatch(/^Workflow:[0-9a-f-]{36}$/);
    expect(w.status).toBe('PLANNED');
    expect(w.progress).toEqual({ completed: 0, total: 8, percent: 0 });
    expect(w.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(w.startedAt).toBeNull();
    const shape = w.tasks.map((task) => ({
      key: task.key,
      agent: task.agent.name,
      status: task.status,
      dependsOn: task.dependsOn.map((d) => d.key),
      dependents: task.dependents.map((d) => d.key),
    }));
    expect(shape).toEqual([
      { key: '1', agent: 'backend', status: 'PENDING', dependsOn: [], dependents: ['2', '3'] },
      { key: '2', agent: 'backend', status: 'PENDING', dependsOn: ['1'], dependents: ['6'] },
      { key: '3', agent: 'backend', status: 'PENDING', dependsOn: ['1'], dependents: ['6'] },
      { key: '4', agent: 'frontend', status: 'PENDING', dependsOn: [], dependents: ['7'] },
      { key: '5', agent: 'frontend', status: 'PENDING', dependsOn: [], dependents: ['7'] },
      { key: '6', agent: 'qa', status: 'PENDING', dependsOn: ['2', '3'], dependents: ['7'] },
      { key: '7', agent: 'qa', status: 'PENDING', dependsOn: ['4', '5', '6'], dependents: ['8'] },
      { key: '8', agent: 'devops', status: 'PENDING', dependsOn: ['7'], dependents: [] },
    ]);
    expect(w.tasks.map((task) => task.description)).toEqual(AUTH_TASKS.map((task) => task.description));

    const again = await gql.data(GetWorkflowDocument, { id: w.id });
    expect(again.workflow).toEqual(w);
  });

  it('workflows lists newest first, filters, and pages with first/after without repeating or skipping', async () => {
    const channelId = `page-${randomUUID()}`;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { createWorkflow } = await gql.data(CreateWorkflowDocument, { input: { ...auth(`request ${n}`), channelId } });
      ids.push(createWorkflow.id);
      await sleep(3); // distinct createdAt, so "newest first" is the reverse creation order
    }
    const first = await gql.data(ListWorkflowsDocument, { first: 2, channelId });
    expect(first.workflows.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(first.workflows.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const rest = await gql.data(ListWorkflowsDocument, { first: 2, channelId, after: first.workflows.pageInfo.endCursor });
    expect(rest.workflows.edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect(rest.workflows.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const all = await gql.data(ListWorkflowsDocument, { first: 100 });
    const createdAt = all.workflows.edges.map((e) => Date.parse(e.node.createdAt));
    expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));
    expect(all.workflows.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining(ids));
    const executing = await gql.data(ListWorkflowsDocument, { first: 100, status: 'EXECUTING', channelId });
    expect(executing.workflows.edges).toEqual([]);

    const bad = await gql.request(ListWorkflowsDocument, { first: 2, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const negative = await gql.request(ListWorkflowsDocument, { first: -1 });
    expect(negative.errors?.[0]).toMatchObject({ message: expect.stringMatching(/first/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('node(id) and workflow(id) take the global id or the bare uuid; unknown or malformed ids give null', async () => {
    const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: auth() });
    const uuid = w.id.slice('Workflow:'.length);
    const task = w.tasks[1]!;
    expect((await gql.data(GetNodeDocument, { id: w.id })).node).toMatchObject({ __typename: 'Workflow', id: w.id });
    expect((await gql.data(GetNodeDocument, { id: uuid })).node).toMatchObject({ __typename: 'Workflow', id: w.id });
    expect((await gql.data(GetNodeDocument, { id: task.id })).node).toEqual({
      __typename: 'Task',
      id: task.id,
      key: '2',
      workflow: { id: w.id },
    });
    expect((await gql.data(GetNodeDocument, { id: task.id.slice('Task:'.length) })).node).toMatchObject({ id: task.id });
    expect((await gql.data(GetWorkflowDocument, { id: uuid })).workflow?.id).toBe(w.id);
    for (const id of [`Workflow:${randomUUID()}`, randomUUID(), 'garbage', 'Nope:1', `Task:${uuid}`]) {
      expect((await gql.data(GetNodeDocument, { id })).node, id).toBeNull();
    }
    for (const id of [`Workflow:${randomUUID()}`, 'garbage', task.id]) {
      expect((await gql.data(GetWorkflowDocument, { id })).workflow, id).toBeNull();
    }
  });

  it('workflowEvents lists the stored events of a workflow from afterSeq', async () => {
    const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: auth('events') });
    const { workflowEvents } = await gql.data(GetWorkflowEventsDocument, { workflowId: w.id });
    expect(workflowEvents[0]).toMatchObject({ __typename: 'CreatedEvent', seq: 1, kind: 'CREATED', workflowId: w.id, description: 'events' });
    expect(workflowEvents.map((e) => e.seq)).toEqual(workflowEvents.map((_, i) => i + 1));
    const after = await gql.data(GetWorkflowEventsDocument, { workflowId: w.id, afterSeq: 1 });
    expect(after.workflowEvents.map((e) => e.seq)).toEqual(workflowEvents.slice(1).map((e) => e.seq));
    const missing = await gql.request(GetWorkflowEventsDocument, { workflowId: randomUUID() });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('deleteWorkflow removes a PLANNED workflow with its tasks and events', async () => {
    const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: auth('to delete') });
    expect((await gql.data(DeleteWorkflowDocument, { id: w.id })).deleteWorkflow).toEqual({ id: w.id, deleted: true });
    expect((await gql.data(GetWorkflowDocument, { id: w.id })).workflow).toBeNull();
    const uuid = w.id.slice('Workflow:'.length);
    expect(await t.app.engine.store.counts(uuid)).toEqual({ workflows: 0, tasks: 0, events: 0 });
  });
});
