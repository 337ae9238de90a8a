import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from './harness.ts';

/** rerunTask and Task.history through GraphQL, the real OpenAI client and the fake provider. */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

describe.runIf(pgOk || process.env.CI)(`rerunTask (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );
  const calls = new Map<string, number>();

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const task = taskOf(req.body);
      const id = `${task?.request}/${task?.key}`;
      calls.set(id, (calls.get(id) ?? 0) + 1);
      return { content: `output of task ${task?.key} #${calls.get(id)}`, delayMs: 5 };
    });
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('rerunTask on task 6 of a COMPLETED auth DAG reruns 6, 7 and 8 only; history of 6 shows both outputs', async () => {
    const request = `rerun ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, AUTH_TASKS);
    await c.start(wf.id);
    const local = await c.localId(request);
    expect(await waitForStatus(t.app, local, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const six = wf.tasks.find((x) => x.key === '6')!.id;

    const r = await c.data(`mutation($id: ID!, $d: String) { rerunTask(id: $id, description: $d) { status } }`, { id: six, d: 'Unit tests for auth endpoints, with coverage' });
    expect(['EXECUTING', 'COMPLETED']).toContain(r.rerunTask.status);
    // The status flips to EXECUTING in the rerun's transaction: wait for the second completion.
    const end = Date.now() + 15_000;
    while (c.callsFor(request, '8').length < 2 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    expect(await waitForStatus(t.app, local, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    for (const key of ['1', '2', '3', '4', '5']) expect(c.callsFor(request, key), `task ${key}`).toHaveLength(1);
    for (const key of ['6', '7', '8']) expect(c.callsFor(request, key), `task ${key}`).toHaveLength(2);
    // The new description reached the prompt.
    expect(JSON.stringify(c.callsFor(request, '6')[1]!.body)).toContain('with coverage');

    const task = (await c.data(`query($id: ID!) { node(id: $id) { ... on Task { description output history { attempt output error startedAt completedAt } } } }`, { id: six }))
      .node;
    expect(task.description).toBe('Unit tests for auth endpoints, with coverage');
    expect(task.history.map((h: { output: string }) => h.output)).toEqual(['output of task 6 #1', 'output of task 6 #2']);
    expect(task.history[0].completedAt).toEqual(expect.any(String));
    expect(task.output).toBe('output of task 6 #2');

    // Only an ended workflow reruns a task.
    const planned = await c.create(`${request} planned`, [{ key: '1', agent: 'backend', description: 'Not started' }]);
    const bad = await c.gql(`mutation($id: ID!) { rerunTask(id: $id) { status } }`, { id: planned.tasks[0]!.id });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
  });
});
