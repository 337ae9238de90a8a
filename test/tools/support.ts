import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from '../support/app.ts';

/** A GraphQL request through the app's fetch (the admin key unless `key` is given): data and errors. */
export async function gql<T = any>(
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const res = await t.fetch('http://baton.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as never;
}

/** The data, or a thrown error with the GraphQL errors. */
export async function gqlData<T = any>(t: TestApp, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await gql<T>(t, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export const tempWorkspaceDir = () => mkdtempSync(join(tmpdir(), 'baton-ws-'));

/** The task key of a chat request (Baton's task prompt), '?' for other prompts. */
export const taskKeyOf = (body: any): string => {
  const user = (body?.messages ?? []).find((m: { role: string }) => m.role === 'user');
  const text = typeof user?.content === 'string' ? user.content : '';
  return /Your task \(Task ([^,]+),/.exec(text)?.[1] ?? '?';
};

/** How many tool results the request carries (0: the first model turn of a task). */
export const toolTurns = (body: any): number => (body?.messages ?? []).filter((m: { role: string }) => m.role === 'tool').length;

/** The request's tool messages' contents, in order. */
export const toolContents = (body: any): string[] => (body?.messages ?? []).filter((m: { role: string }) => m.role === 'tool').map((m: { content: string }) => String(m.content));

/** The stored events of a workflow with the tool fields. */
export async function toolEvents(t: TestApp, id: string) {
  const { workflowEvents } = await gqlData(
    t,
    `query($id: ID!) { workflowEvents(workflowId: $id, first: 100) { seq kind ... on TaskEvent { key }
      ... on TaskToolCallEvent { tool arguments callId } ... on TaskToolResultEvent { callId ok preview } ... on TaskFailedEvent { error } } }`,
    { id },
  );
  return workflowEvents as Array<{ seq: number; kind: string; key?: string; tool?: string; arguments?: string; callId?: string; ok?: boolean; preview?: string; error?: string }>;
}

export const createWorkflow = async (t: TestApp, tasks: Array<{ key: string; agent: string; description: string; dependsOn?: string[] }>) => {
  const { createWorkflow: w } = await gqlData(t, 'mutation($i: CreateWorkflowInput!) { createWorkflow(input: $i) { id } }', { i: { description: 'tools test', tasks } });
  return (w.id as string).slice('Workflow:'.length);
};
export const startWorkflow = (t: TestApp, id: string) => gqlData(t, 'mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id });
