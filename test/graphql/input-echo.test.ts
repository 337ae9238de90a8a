import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENTS_PAGE } from '../../src/schema/event-stream.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import type { Result } from './client.ts';
import { wsClient } from './transport-clients.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const BIG = 'A'.repeat(10_000);
/** What a clipped echo of BIG looks like: 64 characters, then an ellipsis. */
const CLIPPED = `${'A'.repeat(64)}…`;

describe.runIf(runs)(`list caps and input echoes on ${testDialect}`, () => {
  let t: TestApp;

  const post = async (query: string, variables?: Record<string, unknown>) => {
    const res = await t.fetch('http://baton.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    return { text, body: JSON.parse(text) as Result<Record<string, unknown>> };
  };
  /** The answer refuses with `code`, repeats at most the clipped prefix of BIG, and stays small. */
  const expectClippedRefusal = (r: Awaited<ReturnType<typeof post>>, code: string | undefined) => {
    expect(r.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(r.text).not.toContain('A'.repeat(65));
    expect(r.text.length).toBeLessThan(1500);
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('workflows: first or last beyond 100 is BAD_USER_INPUT, not silently capped', async () => {
    for (const arg of ['first', 'last']) {
      const r = await post(`{ workflows(${arg}: 101) { edges { cursor } } }`);
      expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: arg });
      expect(r.body.errors?.[0]?.message).toBe(`${arg} is expected to be at most 100, but got 101`);
    }
    expect((await post('{ workflows(first: 100) { edges { cursor } } }')).body.errors).toBeUndefined();
  });

  it('workflowEvents: first beyond its page is BAD_USER_INPUT', async () => {
    const tasks = [{ key: 'a', agent: '@backend', description: 'x', dependsOn: [] }];
    const created = await post('mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', { input: { description: 'events', tasks } });
    const workflowId = (created.body.data!.createWorkflow as { id: string }).id;
    const query = 'query($id: ID!, $first: Int) { workflowEvents(workflowId: $id, first: $first) { seq } }';
    expect((await post(query, { id: workflowId, first: MAX_EVENTS_PAGE })).body.errors).toBeUndefined();
    const r = await post(query, { id: workflowId, first: MAX_EVENTS_PAGE + 1 });
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    // Written into the query, a huge `first` is priced by the cost limit first: refused before anything runs.
    const literal = await post('{ workflowEvents(workflowId: "Workflow:00000000-0000-4000-8000-000000000000", first: 100000) { seq } }');
    expect(literal.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
  });

  it('a 10 KB cursor is echoed only as a short prefix', async () => {
    const r = await post('query($after: String) { workflows(after: $after) { edges { cursor } } }', { after: BIG });
    expectClippedRefusal(r, 'BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toContain(CLIPPED);
  });

  it('a 10 KB id is echoed only as a short prefix (NOT_FOUND)', async () => {
    const r = await post('mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id: BIG });
    expectClippedRefusal(r, 'NOT_FOUND');
    expect(r.body.errors![0]!.message).toBe(`Workflow ${CLIPPED} does not exist`);
  });

  it("graphql-js's own messages are clipped: syntax errors, bad variables, unknown fields", async () => {
    expectClippedRefusal(await post(`{ health { ok } "${BIG}" }`), 'GRAPHQL_PARSE_FAILED');
    expectClippedRefusal(await post(`{ ${BIG} }`), 'GRAPHQL_VALIDATION_FAILED');
    for (const [type, arg] of [
      ['Int', 'first'],
      ['WorkflowStatus', 'status'],
    ]) {
      const r = await post(`query($v: ${type}) { workflows(${arg}: $v) { edges { cursor } } }`, { v: BIG });
      expectClippedRefusal(r, r.body.errors?.[0]?.extensions?.code);
      expect(r.body.errors?.[0]?.message).toContain(`"${CLIPPED}"`);
    }
  });

  it('a 10 KB task key in a created workflow is echoed only as a short prefix', async () => {
    const tasks = [{ key: 'a', agent: '@backend', description: 'x', dependsOn: [BIG] }];
    const r = await post('mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', { input: { description: 'echo', tasks } });
    expect(r.text).not.toContain('A'.repeat(65));
    expect(r.body.errors?.[0]?.extensions?.code).toMatch(/^(PLAN_INVALID|BAD_USER_INPUT)$/);
  });

  it('over graphql-ws too', async () => {
    const server = createHttpServer(t.app.services, t.app.httpAuth);
    const { url } = await server.start(0, '127.0.0.1');
    const c = wsClient(url, t.key);
    try {
      const errors = await (async () => {
        try {
          for await (const r of c.iterate({ query: `{ ${BIG} }` })) return r.errors;
        } catch (errs) {
          return errs as { message: string }[];
        }
      })();
      expect(errors?.[0]?.message).toContain(`"${CLIPPED}"`);
      expect(JSON.stringify(errors)).not.toContain('A'.repeat(65));
    } finally {
      await c.dispose();
      await server.stop();
    }
  });
});
