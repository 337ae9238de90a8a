import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/server/http-server.ts';
import { CancelWorkflowDocument, CreateWorkflowDocument, type CreateWorkflowInput, DeleteWorkflowDocument, StartWorkflowDocument } from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const MAX_TASKS = 10;
const MAX_TEXT = 500;

const task = (key: string, dependsOn: string[] = [], agent = '@backend') => ({ key, agent, description: `task ${key}`, dependsOn });
const input = (tasks: CreateWorkflowInput['tasks'], description = 'refused'): CreateWorkflowInput => ({ description, tasks });

/** Each refused input: the code it gets and what its message must name. */
const REFUSED: Array<[string, CreateWorkflowInput, string, RegExp]> = [
  ['a cycle', input([task('1', ['3']), task('2', ['1']), task('3', ['2'])]), 'PLAN_INVALID', /task 1 .*cycle: 1 -> 3 -> 2 -> 1/],
  ['a dependency on a missing task', input([task('1'), task('2', ['9'])]), 'PLAN_INVALID', /task 2 depends on task 9, which does not exist/],
  ['a self-dependency', input([task('1'), task('2', ['2'])]), 'PLAN_INVALID', /task 2 depends on itself/],
  ['a duplicate key', input([task('1'), task('2'), task('1')]), 'PLAN_INVALID', /task 1 is defined twice/],
  ['zero tasks', input([]), 'PLAN_INVALID', /no tasks/],
  ['an unknown agent', input([task('1'), task('2', ['1'], '@wizard')]), 'PLAN_INVALID', /task 2 has unknown agent @wizard/],
  ['a description over the limit', input([task('1')], 'x'.repeat(MAX_TEXT + 1)), 'BAD_USER_INPUT', new RegExp(`description.*at most ${MAX_TEXT}`)],
  ['a task description over the limit', input([{ ...task('1'), description: 'y'.repeat(MAX_TEXT + 1) }]), 'BAD_USER_INPUT', /tasks\.0\.description/],
  ['too many tasks', input(Array.from({ length: MAX_TASKS + 1 }, (_, i) => task(String(i + 1)))), 'BAD_USER_INPUT', new RegExp(`at most ${MAX_TASKS} tasks`)],
];

describe.runIf(runs)(`GraphQL refusals and masking on ${testDialect}`, () => {
  let t: TestApp;
  let gql: ReturnType<typeof graphqlClient>;
  // Task calls never answer by themselves, so a started workflow stays EXECUTING until cancelled.
  const models = scriptedModels({ delayMs: () => 600_000 });

  const rowCounts = async () => ({ agents: await t.app.agents.count(), ...(await t.app.engine.store.counts()) });

  beforeAll(async () => {
    t = await startTestApp({ MAX_TASKS: String(MAX_TASKS), MAX_TEXT_CHARS: String(MAX_TEXT) }, { models: models.factory });
    gql = graphqlClient(t.fetch);
    await gql.data(CreateWorkflowDocument, { input: input(AUTH_TASKS, 'already there') });
  });
  afterAll(async () => t?.close());

  it.each(REFUSED)('refuses %s with its code and a message naming the problem, writing nothing', async (_what, refused, code, message) => {
    const before = await rowCounts();
    const { result, body } = await gql.raw(CreateWorkflowDocument, { input: refused });
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions?.code).toBe(code);
    expect(result.errors![0]!.message).toMatch(message);
    expect(result.errors![0]!.path).toEqual(['createWorkflow']);
    expect(body).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(await rowCounts()).toEqual(before);
  });

  it('unknown or malformed workflow ids are NOT_FOUND, naming the id', async () => {
    const before = await rowCounts();
    for (const id of [randomUUID(), `Workflow:${randomUUID()}`, 'Workflow:nope', 'nope']) {
      for (const r of [await gql.request(StartWorkflowDocument, { id }), await gql.request(CancelWorkflowDocument, { id }), await gql.request(DeleteWorkflowDocument, { id })]) {
        expect(r.errors?.[0]?.extensions?.code, `${id}`).toBe('NOT_FOUND');
        expect(r.errors?.[0]?.message).toContain(id.replace(/^Workflow:/, ''));
      }
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('deleting an EXECUTING workflow is INVALID_STATE and deletes nothing', async () => {
    const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: input(AUTH_TASKS, 'running') });
    expect((await gql.data(StartWorkflowDocument, { id: w.id })).startWorkflow.status).toBe('EXECUTING');
    // The engine writes on after the mutation returns; wait until the three root tasks are at their (silent) model.
    await until(() => models.calls.length === 3, 'tasks 1, 4 and 5 calling their model', 10_000, 5);
    const before = await rowCounts();
    const r = await gql.request(DeleteWorkflowDocument, { id: w.id });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_STATE', status: 'EXECUTING' });
    expect(r.errors?.[0]?.message).toMatch(/EXECUTING; cancel it before deleting it/);
    expect(await rowCounts()).toEqual(before);

    expect((await gql.data(CancelWorkflowDocument, { id: w.id })).cancelWorkflow.status).toBe('CANCELLED');
    await waitForStatus(t.app, w.id.slice('Workflow:'.length), ['CANCELLED']);
  });

  it('masks an unexpected error: a generic message and code for the client, the stack in the server log', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const failing = {
      ...t.app.services,
      logger,
      workflows: {
        ...t.app.services.workflows,
        start: async () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:5432 (password=hunter2)');
        },
      },
    };
    const server = createHttpServer(failing, t.app.httpAuth);
    const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: input(AUTH_TASKS, 'will fail') });
    const { result, body } = await graphqlClient(server.fetch, t.key).raw(StartWorkflowDocument, { id: w.id });
    expect(result.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', path: ['startWorkflow'], extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(body).not.toMatch(/ECONNREFUSED|hunter2|10\.1\.2\.3|stack|\.ts:\d+/);
    const entry = logged.map((l) => JSON.parse(l) as { msg: string; err?: { stack?: string } }).find((l) => l.err);
    expect(entry?.err?.stack).toMatch(/ECONNREFUSED[\s\S]*\n\s+at /);
  });

  it('passes GraphQL validation errors through with their own message', async () => {
    const res = await t.fetch('http://baton.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ workflows { nope } }' }),
    });
    const json = (await res.json()) as { errors: Array<{ message: string; extensions?: { code?: string } }> };
    expect(json.errors[0]!.message).toMatch(/Cannot query field "nope" on type "WorkflowConnection"/);
    expect(json.errors[0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
