import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from '../steering/harness.ts';

/**
 * Budget edge cases (issue #15): a call whose prompt alone would cross the budget is never sent (the
 * run stops before it, and the usage counts only the calls the provider received); a call that
 * missed the abort's broadcast (Redis down) stops at its next usage record.
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[usage] PostgreSQL unreachable: skipped');

const USAGE = 'usage { inputTokens outputTokens totalTokens calls }';

describe.runIf(pgOk || process.env.CI)(`budget edge cases (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );
  beforeAll(async () => {
    fake = await startFakeOpenAI((req) =>
      taskOf(req.body)?.request.startsWith('stale ')
        ? { content: Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '), chunkDelayMs: 25 }
        : { content: `short answer to ${taskOf(req.body)?.key}` },
    );
    t = await startTestApp({ LLM_MODEL: 'openai:fake-model', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('STOP before sending it: one request, one call counted, usage within the limit', async () => {
    const request = `prompt-over ${randomUUID().slice(0, 8)}`;
    const max = 700; // task 1's prompt and answer fit (~450 tokens); task 2's prompt (~450 more) does not
    const wf = (
      await c.data(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
        input: {
          description: request,
          tasks: [
            { key: '1', agent: 'backend', description: 'First' },
            { key: '2', agent: 'qa', description: 'Second', dependsOn: ['1'] },
          ],
          budget: { maxTokens: max },
        },
      })
    ).createWorkflow;
    await c.start(wf.id);
    const id = await c.localId(request);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED', 'PAUSED'])).toBe('FAILED');
    const w = (await c.data(`query($id: ID!) { workflow(id: $id) { status error ${USAGE} tasks { key status ${USAGE} } } }`, { id: wf.id })).workflow;
    expect(w.error).toMatch(/^BUDGET_EXCEEDED: /);
    const mine = fake.requests.filter((r) => taskOf(r.body)?.request === request);
    expect(mine.map((r) => taskOf(r.body)!.key)).toEqual(['1']);
    expect(w.usage.calls).toBe(1);
    expect(w.usage.totalTokens).toBeLessThanOrEqual(max);
    expect(w.tasks.map((x: { key: string; status: string }) => [x.key, x.status])).toEqual([
      ['1', 'COMPLETED'],
      ['2', 'CANCELLED'],
    ]);
  });

  it('a call of a workflow that ended while it streamed (its abort not received) stops at its next usage record', async () => {
    const request = `stale ${randomUUID().slice(0, 8)}`;
    const wf = (
      await c.data(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
        input: { description: request, tasks: [{ key: '1', agent: 'backend', description: 'Slow' }] },
      })
    ).createWorkflow;
    await c.start(wf.id);
    const id = await c.localId(request);
    await until(() => fake.requests.some((r) => taskOf(r.body)?.request === request) || null, 'the call', 10_000);
    const aborted = fake.abortedCount;
    // Ended behind the process's back: no cancel reaches its call, as when the broadcast was lost.
    await t.app.services.db.knex('workflows').where({ id }).update({ status: 'CANCELLED' });
    const began = Date.now();
    await fake.onAbort(aborted + 1);
    expect(Date.now() - began).toBeLessThan(5000); // the stream lasts 10 s
  });
});
