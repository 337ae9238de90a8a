import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { promptText, taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from './harness.ts';

/** replanWorkflow through GraphQL, the real OpenAI client and the fake provider; and with the offline model. */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

const TASKS = [
  { key: '1', agent: 'backend', description: 'Design the API' },
  { key: '2', agent: 'backend', description: 'Implement the API', dependsOn: ['1'] },
  { key: '3', agent: 'frontend', description: 'Build the UI with the broken widget kit', dependsOn: ['1'] },
  { key: '4', agent: 'qa', description: 'Test everything', dependsOn: ['2', '3'] },
];
const REPLACEMENT = [
  'Task 3: @frontend - Build the UI with plain HTML forms (depends on Task 1)',
  'Task 4: @qa - Test the API and the plain UI (depends on Task 2, Task 3)',
  'Task 5: @devops - Deploy the API (depends on Task 2)',
].join('\n');
const REPLAN = 'mutation($id: ID!, $f: String, $a: Boolean) { replanWorkflow(id: $id, feedback: $f, autoStart: $a) { id status } }';

describe.runIf(pgOk || process.env.CI)(`replanWorkflow (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );
  const orchestratorCalls: string[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const text = promptText(req.body);
      if (text.includes('Replanning:')) {
        orchestratorCalls.push(text);
        if (text.includes('refuse this replan')) return { status: 400, message: 'the orchestrator is down' };
        return { content: REPLACEMENT };
      }
      const task = taskOf(req.body);
      if (task?.request.includes('hang')) return { hang: true };
      if (text.includes('broken widget kit')) return { status: 400, message: 'the widget kit is broken' };
      return { content: `output of task ${task?.key} for ${task?.request}`, delayMs: 5 };
    });
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('task 3 fails every time → FAILED; the replan is given the outputs, the error and the feedback; the new plan completes without rerunning finished tasks', async () => {
    const request = `replan ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, TASKS);
    await c.start(wf.id);
    const local = await c.localId(request);
    expect(await waitForStatus(t.app, local, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    expect(await c.statuses(wf.id)).toEqual({ '1': 'COMPLETED', '2': 'COMPLETED', '3': 'FAILED', '4': 'SKIPPED' });
    const failedCalls = c.callsFor(request, '3').length;
    expect(failedCalls).toBeGreaterThanOrEqual(1);

    const r = await c.data(REPLAN, { id: wf.id, f: 'Use plain HTML forms, no widget kit', a: true });
    // The mutation records the request and returns: a planning job replans (see runReplan).
    expect(r.replanWorkflow.status).toBe('PLANNING');
    expect(await waitForStatus(t.app, local, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const asked = orchestratorCalls.at(-1)!;
    expect(asked).toContain(request);
    expect(asked).toContain(`output of task 1 for ${request}`);
    expect(asked).toContain(`output of task 2 for ${request}`);
    expect(asked).toContain('the widget kit is broken');
    expect(asked).toContain('Use plain HTML forms, no widget kit');
    // The data is delimited: the feedback and the failure in their tags.
    expect(asked).toMatch(/<feedback nonce="[0-9a-f]+">\nUse plain HTML forms/);
    expect(asked).toMatch(/<failure key="3" agent="frontend" status="FAILED"/);

    expect(await c.statuses(wf.id)).toEqual({ '1': 'COMPLETED', '2': 'COMPLETED', '3': 'COMPLETED', '4': 'COMPLETED', '5': 'COMPLETED' });
    // Counted at the fake server: finished tasks never ran again; the replacements ran once each.
    expect(c.callsFor(request, '1')).toHaveLength(1);
    expect(c.callsFor(request, '2')).toHaveLength(1);
    expect(c.callsFor(request, '3')).toHaveLength(failedCalls + 1);
    expect(c.callsFor(request, '4')).toHaveLength(1);
    expect(c.callsFor(request, '5')).toHaveLength(1);
    // The new task 5 was given its finished dependency's output.
    expect(promptText(c.callsFor(request, '5')[0]!.body)).toContain(`output of task 2 for ${request}`);
    const kinds = (await c.events(request)).map((e) => e.kind);
    // createWorkflow's plan_ready, then the replan's planning and plan_ready, after the failure.
    expect(kinds.filter((k) => k === 'plan_ready')).toHaveLength(2);
    expect(kinds.indexOf('planning')).toBeGreaterThan(kinds.indexOf('failed'));
    expect(kinds.lastIndexOf('plan_ready')).toBeGreaterThan(kinds.indexOf('planning'));
    // The planning event records the request: the feedback, who asked (the test key) and what it replans.
    expect((await c.events(request)).find((e) => e.kind === 'planning')!.payload).toEqual({
      orchestrator: 'orchestrator',
      replan: { feedback: 'Use plain HTML forms, no widget kit', by: { keyId: expect.any(String), keyName: 'test' }, from: 'FAILED' },
    });
  });

  it('a replan whose orchestrator call fails: replan_failed with its code, then failed; the workflow FAILED with its tasks as before; replanning again works', async () => {
    const request = `replan fails ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, TASKS);
    await c.start(wf.id);
    const local = await c.localId(request);
    expect(await waitForStatus(t.app, local, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    const before = await c.workflow(wf.id);

    const r = await c.data(REPLAN, { id: wf.id, f: 'refuse this replan', a: true });
    expect(r.replanWorkflow.status).toBe('PLANNING');
    // The failure commits with the status it goes back to.
    expect(await waitForStatus(t.app, local, ['FAILED'])).toBe('FAILED');
    const failed = (await c.events(request)).find((x) => x.kind === 'replan_failed')!;
    expect(failed.payload).toMatchObject({ code: 'PLANNING_FAILED', status: 'FAILED' });
    expect(failed.payload.error).toContain('the orchestrator is down');
    const kinds = (await c.events(request)).map((x) => x.kind);
    expect(kinds.slice(-3)).toEqual(['planning', 'replan_failed', 'failed']);
    // Usable: FAILED, its error the replan's, tasks and outputs as they were.
    const after = await c.workflow(wf.id);
    expect(after.error).toMatch(/^PLANNING_FAILED: .*the orchestrator is down/);
    expect({ ...after, error: before.error }).toEqual(before);

    await c.data(REPLAN, { id: wf.id, f: 'Use plain HTML forms', a: true });
    expect(await waitForStatus(t.app, local, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    expect(c.callsFor(request, '1')).toHaveLength(1);
  });

  it('INVALID_STATE on an EXECUTING workflow, and the orchestrator is not called', async () => {
    const request = `hang ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, TASKS.slice(0, 1));
    await c.start(wf.id);
    const before = orchestratorCalls.length;
    const r = await c.gql(REPLAN, { id: wf.id, f: 'anything' });
    expect(r.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    expect(orchestratorCalls).toHaveLength(before);
    await c.data(`mutation($id: ID!) { cancelWorkflow(id: $id) { id } }`, { id: wf.id });
  });
});

describe.runIf(pgOk || process.env.CI)(`replanWorkflow with the offline model (${testDialect})`, () => {
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => null as never,
  );
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('PLANNED: planned again (review loop); CANCELLED: the unfinished keys replaced, and the run completes', async () => {
    const request = `Build an offline replan demo ${randomUUID().slice(0, 8)}`;
    const planned = await c.data(`mutation($r: String!) { planWorkflow(input: { request: $r }) { id } }`, { r: request });
    const local = await c.localId(request);
    expect(await waitForStatus(t.app, local, ['PLANNED', 'FAILED'])).toBe('PLANNED');
    const again = await c.data(REPLAN, { id: planned.planWorkflow.id, f: 'fewer tasks please' });
    // Read back after the request is recorded: the in-process planning job may have answered already (the offline model is instant).
    expect(['PLANNING', 'PLANNED']).toContain(again.replanWorkflow.status);
    expect(await waitForStatus(t.app, local, ['PLANNED', 'FAILED'])).toBe('PLANNED');
    expect((await c.events(request)).map((e) => e.kind)).toEqual(['created', 'planning', 'plan_ready', 'planning', 'plan_ready']);

    const cancelled = await c.create(`${request} cancelled`, TASKS);
    await c.data(`mutation($id: ID!) { cancelWorkflow(id: $id) { id } }`, { id: cancelled.id });
    expect((await c.workflow(cancelled.id)).status).toBe('CANCELLED');
    const r = await c.data(REPLAN, { id: cancelled.id, a: true });
    expect(['PLANNING', 'CANCELLED', 'EXECUTING', 'COMPLETED']).toContain(r.replanWorkflow.status);
    const cLocal = await c.localId(`${request} cancelled`);
    expect(await waitForStatus(t.app, cLocal, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const wf = await c.workflow(cancelled.id);
    // Each unfinished key replaced by the offline orchestrator (same keys, new descriptions).
    expect(wf.tasks.map((x: { key: string }) => x.key)).toEqual(['1', '2', '3', '4']);
    expect(wf.tasks.every((x: { output: string | null }) => typeof x.output === 'string')).toBe(true);
  });
});
