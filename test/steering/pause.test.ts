import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from './harness.ts';

/** pauseWorkflow / resumeWorkflow through GraphQL, the real OpenAI client and the fake provider. */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

describe.runIf(pgOk || process.env.CI)(`pause and resume (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );

  beforeAll(async () => {
    // Tasks 1 and 2 take 600 ms, so the pause lands while they run.
    fake = await startFakeOpenAI((req) => {
      const task = taskOf(req.body);
      return { content: `output of ${task?.key}`, delayMs: task && ['1', '2'].includes(task.key) ? 600 : 10 };
    });
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('pause while tasks run: they finish and are recorded, nothing else starts until resume, then the run completes', async () => {
    const request = `pause ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, [
      { key: '1', agent: 'backend', description: 'Slow one' },
      { key: '2', agent: 'frontend', description: 'Slow two' },
      { key: '3', agent: 'qa', description: 'After both', dependsOn: ['1', '2'] },
      { key: '4', agent: 'devops', description: 'Last', dependsOn: ['3'] },
    ]);
    await c.start(wf.id);
    await c.until(wf.id, { '1': 'RUNNING', '2': 'RUNNING' });
    const paused = await c.data(`mutation($id: ID!) { pauseWorkflow(id: $id) { status } }`, { id: wf.id });
    expect(paused.pauseWorkflow.status).toBe('PAUSED');
    // The running tasks finish and are recorded; 3 became runnable but does not start.
    await c.until(wf.id, { '1': 'COMPLETED', '2': 'COMPLETED' });
    await new Promise((r) => setTimeout(r, 400));
    expect(await c.statuses(wf.id)).toEqual({ '1': 'COMPLETED', '2': 'COMPLETED', '3': 'READY', '4': 'PENDING' });
    expect((await c.workflow(wf.id)).status).toBe('PAUSED');
    expect(c.callsFor(request, '3')).toHaveLength(0);
    // A second pause is refused; so is a resume of a workflow that is not paused (below).
    const again = await c.gql(`mutation($id: ID!) { pauseWorkflow(id: $id) { status } }`, { id: wf.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');

    const resumed = await c.data(`mutation($id: ID!) { resumeWorkflow(id: $id) { status } }`, { id: wf.id });
    expect(resumed.resumeWorkflow.status).toBe('EXECUTING');
    expect(await waitForStatus(t.app, await c.localId(request), ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    for (const key of ['1', '2', '3', '4']) expect(c.callsFor(request, key)).toHaveLength(1);
    const kinds = (await c.events(request)).map((e) => e.kind);
    expect(kinds.indexOf('paused')).toBeLessThan(kinds.indexOf('resumed'));
    expect(kinds.filter((k) => k === 'task_completed')).toHaveLength(4);
    const late = await c.gql(`mutation($id: ID!) { resumeWorkflow(id: $id) { status } }`, { id: wf.id });
    expect(late.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
  });

  it('cancel works on a PAUSED workflow with a task awaiting approval', async () => {
    const request = `pause-cancel ${randomUUID().slice(0, 8)}`;
    const wf = await c.create(request, [
      { key: '1', agent: 'backend', description: 'Waits', approval: 'BEFORE_RUN' },
      { key: '2', agent: 'qa', description: 'After', dependsOn: ['1'] },
    ]);
    await c.start(wf.id);
    await c.until(wf.id, { '1': 'AWAITING_APPROVAL' });
    await c.data(`mutation($id: ID!) { pauseWorkflow(id: $id) { status } }`, { id: wf.id });
    const cancelled = await c.data(`mutation($id: ID!) { cancelWorkflow(id: $id) { status } }`, { id: wf.id });
    expect(cancelled.cancelWorkflow.status).toBe('CANCELLED');
    expect(await c.statuses(wf.id)).toEqual({ '1': 'CANCELLED', '2': 'CANCELLED' });
  });
});
