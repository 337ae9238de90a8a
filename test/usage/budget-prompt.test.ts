import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from '../steering/harness.ts';

/**
 * A call whose prompt alone would cross the budget is never sent (issue #15): the run stops (or
 * pauses) before it, and the usage counts only the calls the provider received.
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[usage] PostgreSQL unreachable: skipped');

const USAGE = 'usage { inputTokens outputTokens totalTokens calls }';

describe.runIf(pgOk || process.env.CI)(`a prompt over the budget (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );
  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => ({ content: `short answer to ${taskOf(req.body)?.key}` }));
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
});
