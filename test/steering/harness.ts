import type { TestApp } from '../support/app.ts';
import type { FakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';

/** GraphQL helpers of the steering suites, over the current test app (it may be replaced by a restart). */
export function steeringClient(app: () => TestApp, fake: () => FakeOpenAI) {
  async function gql<R = any>(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: R; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
    const res = await app().fetch('http://baton.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  }
  async function data<R = any>(query: string, variables: Record<string, unknown> = {}): Promise<R> {
    const r = await gql<R>(query, variables);
    if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data;
  }
  const TASKS = `tasks { id key status approval output }`;
  const workflow = async (id: string) => (await data(`query($id: ID!) { workflow(id: $id) { id status error ${TASKS} } }`, { id })).workflow;
  const statuses = async (id: string): Promise<Record<string, string>> =>
    Object.fromEntries((await workflow(id)).tasks.map((x: { key: string; status: string }) => [x.key, x.status]));
  return {
    gql,
    data,
    workflow,
    statuses,
    async create(description: string, tasks: unknown[]): Promise<{ id: string; tasks: Array<{ id: string; key: string }> }> {
      return (await data(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id ${TASKS} } }`, { input: { description, tasks } })).createWorkflow;
    },
    start: (id: string) => data(`mutation($id: ID!) { startWorkflow(id: $id) { id } }`, { id }),
    approve: (id: string, comment?: string) => gql(`mutation($id: ID!, $c: String) { approveTask(id: $id, comment: $c) { id status } }`, { id, c: comment }),
    /** Polls until the named tasks have these statuses. */
    async until(id: string, want: Record<string, string>, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const s = await statuses(id);
        if (Object.entries(want).every(([k, v]) => s[k] === v)) return s;
        if (Date.now() > end) throw new Error(`tasks are ${JSON.stringify(s)}, not ${JSON.stringify(want)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    /** The model requests of one task of one workflow request. */
    callsFor: (request: string, key: string) =>
      fake().requests.filter((r) => {
        const task = taskOf(r.body);
        return task?.request === request && task.key === key;
      }),
    /** The stored events of a workflow (by its request text). */
    async events(request: string) {
      const knex = app().app.services.db.knex;
      const wf = await knex('workflows').where({ description: request }).first('id');
      const rows = await knex('workflow_events').where({ workflow_id: wf.id }).orderBy('seq').select('kind', 'payload');
      return rows.map((r: { kind: string; payload: unknown }) => ({ kind: r.kind, payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as any }));
    },
    localId: async (request: string) => (await app().app.services.db.knex('workflows').where({ description: request }).first('id'))?.id as string,
  };
}
