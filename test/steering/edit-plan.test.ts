import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from './harness.ts';

/** editPlan with planRevision, through GraphQL, the real OpenAI client and the fake provider. */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

describe.runIf(pgOk || process.env.CI)(`editPlan (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );
  const EDIT = `mutation($id: ID!, $input: EditPlanInput!) { editPlan(id: $id, input: $input) { planRevision status tasks { key status dependsOn { key } description } } }`;
  const plan = async (id: string) => (await c.data(`query($id: ID!) { workflow(id: $id) { planRevision tasks { key description dependsOn { key } } } }`, { id })).workflow;

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => ({ content: `output of ${taskOf(req.body)?.key}`, delayMs: 10 }));
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('PLANNED: adds a task and rewires a dependency; a cycle is PLAN_INVALID and a stale revision CONFLICT, with nothing changed', async () => {
    const request = `edit ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, [
      { key: '1', agent: 'backend', description: 'Model' },
      { key: '2', agent: 'backend', description: 'Endpoint', dependsOn: ['1'] },
    ]);
    expect((await plan(wf.id)).planRevision).toBe(0);
    const edited = await c.data(EDIT, {
      id: wf.id,
      input: {
        revision: 0,
        tasks: [
          { key: '1', agent: 'backend', description: 'Model' },
          { key: '3', agent: 'frontend', description: 'Form' },
          { key: '2', agent: 'backend', description: 'Endpoint', dependsOn: ['3'] },
        ],
      },
    });
    expect(edited.editPlan.planRevision).toBe(1);
    expect(edited.editPlan.tasks.map((x: any) => [x.key, x.dependsOn.map((d: any) => d.key)])).toEqual([
      ['1', []],
      ['3', []],
      ['2', ['3']],
    ]);
    const before = await plan(wf.id);

    const cycle = await c.gql(EDIT, {
      id: wf.id,
      input: {
        revision: 1,
        tasks: [
          { key: '1', agent: 'backend', description: 'A', dependsOn: ['2'] },
          { key: '2', agent: 'backend', description: 'B', dependsOn: ['1'] },
        ],
      },
    });
    expect(cycle.errors?.[0]?.extensions?.code).toBe('PLAN_INVALID');
    expect(await plan(wf.id)).toEqual(before);

    const stale = await c.gql(EDIT, { id: wf.id, input: { revision: 0, tasks: [{ key: '1', agent: 'backend', description: 'Only' }] } });
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await plan(wf.id)).toEqual(before);

    await c.start(wf.id);
    expect(await waitForStatus(t.app, await c.localId(request), ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    expect(c.callsFor(request, '3')).toHaveLength(1);
    const kinds = (await c.events(request)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'plan_edited')).toHaveLength(1);
  });

  it('during a run: an edit changing a finished task is PLAN_INVALID; a new task may depend on a finished one and runs', async () => {
    const request = `edit-run ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, [
      { key: '1', agent: 'backend', description: 'Model' },
      { key: '2', agent: 'qa', description: 'Waits', dependsOn: ['1'], approval: 'BEFORE_RUN' },
    ]);
    await c.start(wf.id);
    await c.until(wf.id, { '1': 'COMPLETED', '2': 'AWAITING_APPROVAL' });
    const changed = await c.gql(EDIT, {
      id: wf.id,
      input: {
        revision: 0,
        tasks: [
          { key: '1', agent: 'backend', description: 'Model, changed' },
          { key: '2', agent: 'qa', description: 'Waits', dependsOn: ['1'], approval: 'BEFORE_RUN' },
        ],
      },
    });
    expect(changed.errors?.[0]?.extensions?.code).toBe('PLAN_INVALID');
    expect(changed.errors?.[0]?.message).toContain('task 1');

    // The pending task 2 goes; 4 (new) depends on the finished 1 and runs at once.
    const ok = await c.data(EDIT, {
      id: wf.id,
      input: {
        revision: 0,
        tasks: [
          { key: '1', agent: 'backend', description: 'Model' },
          { key: '4', agent: 'devops', description: 'Docs', dependsOn: ['1'] },
        ],
      },
    });
    expect(ok.editPlan.planRevision).toBe(1);
    expect(await waitForStatus(t.app, await c.localId(request), ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    expect(await c.statuses(wf.id)).toEqual({ '1': 'COMPLETED', '4': 'COMPLETED' });
    expect(c.callsFor(request, '1')).toHaveLength(1);
    expect(c.callsFor(request, '2')).toHaveLength(0);
    expect(c.callsFor(request, '4')).toHaveLength(1);
  });

  it('during a run: an edit removing every pending task ends the run (COMPLETED: every remaining task completed), paused or not', async () => {
    for (const paused of [false, true]) {
      const request = `edit-end ${paused ? 'paused' : 'running'} ${randomUUID().slice(0, 8)}`;
      const wf = await c.create(request, [
        { key: '1', agent: 'backend', description: 'Model' },
        { key: '2', agent: 'qa', description: 'Waits', dependsOn: ['1'], approval: 'BEFORE_RUN' },
        { key: '3', agent: 'qa', description: 'After 2', dependsOn: ['2'] },
      ]);
      await c.start(wf.id);
      await c.until(wf.id, { '1': 'COMPLETED', '2': 'AWAITING_APPROVAL' });
      if (paused) await c.data(`mutation($id: ID!) { pauseWorkflow(id: $id) { id } }`, { id: wf.id });
      const ok = await c.data(EDIT, { id: wf.id, input: { revision: 0, tasks: [{ key: '1', agent: 'backend', description: 'Model' }] } });
      expect(ok.editPlan.status).toBe('COMPLETED');
      expect((await c.events(request)).map((e) => e.kind).slice(-2)).toEqual(['plan_edited', 'completed']);
      const done = await c.data(`query($id: ID!) { workflow(id: $id) { status completedAt results } }`, { id: wf.id });
      expect(done.workflow.status).toBe('COMPLETED');
      expect(done.workflow.completedAt).not.toBeNull();
    }
  });
});
