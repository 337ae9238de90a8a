import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { steeringClient } from '../steering/harness.ts';

/**
 * Budgets (issue #15) through GraphQL, the real OpenAI client and the fake provider, which streams
 * slowly (one word per 15 ms) and reports usage at the end of each stream (stream_options.include_usage).
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[usage] PostgreSQL unreachable: skipped');

const WORDS = 300;
const longAnswer = (key: string) => Array.from({ length: WORDS }, (_, i) => `w${key}${i}`).join(' ');
/** The fake provider's own token count (test/support/fake-openai.ts). */
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

const SIX = [
  { key: '1', agent: 'backend', description: 'One' },
  { key: '2', agent: 'frontend', description: 'Two' },
  { key: '3', agent: 'qa', description: 'Three' },
  { key: '4', agent: 'backend', description: 'Four', dependsOn: ['1'] },
  { key: '5', agent: 'frontend', description: 'Five', dependsOn: ['2'] },
  { key: '6', agent: 'devops', description: 'Six', dependsOn: ['3'] },
];
const USAGE = 'usage { inputTokens outputTokens totalTokens costUsd estimated priced calls }';

describe.runIf(pgOk || process.env.CI)(`budgets (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const c = steeringClient(
    () => t,
    () => fake,
  );
  const create = async (request: string, budget: unknown) =>
    (
      await c.data(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id budget { maxTokens maxCostUsd onExceed } } }`, {
        input: { description: request, tasks: SIX, budget },
      })
    ).createWorkflow;
  const usageOf = async (id: string) => (await c.data(`query($id: ID!) { workflow(id: $id) { status error ${USAGE} tasks { key status attempts ${USAGE} } } }`, { id })).workflow;

  /** The workflow once its usage stops changing: the calls a stop aborted record what they used as they end. */
  const settled = async (id: string) => {
    let last = await usageOf(id);
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const now = await usageOf(id);
      if (now.usage.totalTokens === last.usage.totalTokens && now.usage.calls === last.usage.calls) return now;
      last = now;
    }
    throw new Error('usage never settled');
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const task = taskOf(req.body);
      return { content: longAnswer(task?.key ?? 'x'), chunkDelayMs: 15 };
    });
    t = await startTestApp({
      LLM_MODEL: 'openai:fake-model',
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'dummy',
      MODEL_PRICES: JSON.stringify({ 'openai:fake-model': { input: 1000, output: 2000 } }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('STOP: the run fails BUDGET_EXCEEDED while streaming, in-flight calls are aborted, the overshoot is at most a chunk per call, nothing starts after', async () => {
    const request = `stop ${randomUUID().slice(0, 8)}`;
    const max = 2000; // three parallel prompts (~420 tokens each), then their answers cross it mid-stream
    const wf = await create(request, { maxTokens: max });
    expect(wf.budget).toEqual({ maxTokens: max, maxCostUsd: null, onExceed: 'STOP' });
    const aborted = fake.abortedCount;
    await c.start(wf.id);
    const id = await c.localId(request);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED', 'PAUSED'])).toBe('FAILED');
    await fake.onAbort(aborted + 1);
    const w = await settled(wf.id);
    expect(w.error).toMatch(/^BUDGET_EXCEEDED: /);
    // At most three calls were in flight, each stopped within one chunk (a word: ≤ 3 tokens) or its usage report.
    expect(w.usage.totalTokens).toBeGreaterThan(max);
    expect(w.usage.totalTokens).toBeLessThanOrEqual(max + 3 * 40);
    expect(w.usage.costUsd).toBeCloseTo(w.usage.inputTokens * 0.001 + w.usage.outputTokens * 0.002, 6);
    const finalStatuses = w.tasks.map((x: { status: string }) => x.status);
    expect(finalStatuses.every((s: string) => s === 'CANCELLED' || s === 'COMPLETED')).toBe(true);
    // Nothing starts after the stop: no later request, and no task_started after budget_exceeded.
    const requests = fake.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests.length).toBe(requests);
    const kinds = (await c.events(request)).map((e) => e.kind);
    expect(kinds).toContain('budget_warning');
    expect(kinds.slice(kinds.indexOf('budget_exceeded'))).not.toContain('task_started');
    expect(kinds.at(-1)).toBe('failed');
    // Task usage adds up to the workflow's.
    const sum = w.tasks.reduce((s: number, x: { usage: { totalTokens: number } }) => s + x.usage.totalTokens, 0);
    expect(sum).toBe(w.usage.totalTokens);
  });

  it('PAUSE: the run pauses, resume is refused while over, setBudget with room resumes it to COMPLETED, interrupted tasks keep their attempt', async () => {
    const request = `pause ${randomUUID().slice(0, 8)}`;
    const wf = await create(request, { maxTokens: 2000, onExceed: 'PAUSE' });
    await c.start(wf.id);
    const id = await c.localId(request);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED', 'PAUSED'])).toBe('PAUSED');
    const refused = await c.gql(`mutation($id: ID!) { resumeWorkflow(id: $id) { status } }`, { id: wf.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    const paused = await usageOf(wf.id);
    for (const x of paused.tasks) expect(['READY', 'PENDING', 'COMPLETED']).toContain(x.status);
    const raised = await c.data(`mutation($id: ID!) { setBudget(id: $id, budget: { maxTokens: 100000, onExceed: PAUSE }) { status budget { maxTokens } } }`, { id: wf.id });
    expect(raised.setBudget.budget.maxTokens).toBe(100000);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'], 30_000)).toBe('COMPLETED');
    const done = await usageOf(wf.id);
    for (const x of done.tasks) expect(x.attempts).toBe(1);
    const events = await c.events(request);
    const kinds = events.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['budget_exceeded', 'paused', 'budget_set', 'resumed', 'completed']));
    // Every task_started of an interrupted task says attempt 1: the pause gave the attempt back.
    for (const e of events.filter((x) => x.kind === 'task_started')) expect(e.payload.attempt).toBe(1);
    // The interrupted calls' usage stays counted: more calls than tasks.
    expect(done.usage.calls).toBeGreaterThan(6);
  });

  it('maxCostUsd with MODEL_PRICES: stops at the cost limit, and costUsd is tokens × price', async () => {
    const request = `cost ${randomUUID().slice(0, 8)}`;
    const wf = await create(request, { maxCostUsd: 1.5 });
    await c.start(wf.id);
    const id = await c.localId(request);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    const w = await settled(wf.id);
    expect(w.error).toMatch(/^BUDGET_EXCEEDED: \$[\d.]+ spent, over the limit of \$1.5/);
    expect(w.usage.priced).toBe(true);
    expect(w.usage.costUsd).toBeGreaterThanOrEqual(1.5 - 1e-6);
    expect(w.usage.costUsd).toBeLessThan(1.5 + 3 * 0.08);
    expect(w.usage.costUsd).toBeCloseTo(w.usage.inputTokens * 0.001 + w.usage.outputTokens * 0.002, 6);
    for (const x of w.tasks) expect(x.usage.costUsd).toBeCloseTo(x.usage.inputTokens * 0.001 + x.usage.outputTokens * 0.002, 6);
  });

  it('without a budget: usage is the provider’s own figures, per task and in total, and the results break it down by agent and model', async () => {
    const request = `usage ${randomUUID().slice(0, 8)}`;
    fake.setResponder((req) => ({ content: `short answer to ${taskOf(req.body)?.key}` }));
    try {
      const wf = await create(request, null);
      await c.start(wf.id);
      const id = await c.localId(request);
      expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
      const w = await usageOf(wf.id);
      const mine = fake.requests.filter((r) => taskOf(r.body)?.request === request);
      expect(mine).toHaveLength(6);
      for (const r of mine) expect(r.body.stream_options).toEqual({ include_usage: true });
      const expected = mine.reduce((s, r) => ({ i: s.i + tokens(JSON.stringify(r.body.messages)), o: s.o + tokens(`short answer to ${taskOf(r.body)!.key}`) }), { i: 0, o: 0 });
      expect(w.usage).toMatchObject({ inputTokens: expected.i, outputTokens: expected.o, totalTokens: expected.i + expected.o, estimated: false, priced: true, calls: 6 });
      const results = (await c.data(`query($id: ID!) { workflow(id: $id) { results } }`, { id: wf.id })).workflow.results;
      expect(results.totals).toMatchObject({ inputTokens: expected.i, outputTokens: expected.o });
      expect(results.totals.byModel).toEqual([expect.objectContaining({ model: 'openai:fake-model', calls: 6, totalTokens: expected.i + expected.o })]);
      expect(results.totals.byAgent.map((a: { agent: string }) => a.agent).sort()).toEqual(['backend', 'devops', 'frontend', 'qa']);
      const progress = (await c.events(request)).filter((e) => e.kind === 'progress').at(-1)!;
      expect(progress.payload.usage.totalTokens).toBe(expected.i + expected.o);
    } finally {
      fake.setResponder((req) => ({ content: longAnswer(taskOf(req.body)?.key ?? 'x'), chunkDelayMs: 15 }));
    }
  });

  it('STOP with a task awaiting approval: the awaiting task is CANCELLED with the rest (issue #14: the budget stop works on tasks awaiting decisions)', async () => {
    const request = `stop-awaiting ${randomUUID().slice(0, 8)}`;
    const wf = (
      await c.data(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
        input: {
          description: request,
          budget: { maxTokens: 1200 },
          tasks: [
            { key: '1', agent: 'backend', description: 'Long' },
            { key: '2', agent: 'qa', description: 'Waits for a person', approval: 'BEFORE_RUN' },
            { key: '3', agent: 'devops', description: 'After 1', dependsOn: ['1'] },
          ],
        },
      })
    ).createWorkflow;
    await c.start(wf.id);
    const id = await c.localId(request);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED', 'PAUSED'])).toBe('FAILED');
    const w = await settled(wf.id);
    expect(w.error).toMatch(/^BUDGET_EXCEEDED: /);
    expect(Object.fromEntries(w.tasks.map((x: { key: string; status: string }) => [x.key, x.status]))).toEqual({ '1': 'COMPLETED', '2': 'CANCELLED', '3': 'CANCELLED' });
    expect(c.callsFor(request, '2')).toHaveLength(0);
  });

  it('refuses invalid budgets with BAD_USER_INPUT and an unknown workflow with NOT_FOUND', async () => {
    const bad = await c.gql(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      input: { description: 'bad budget', tasks: SIX, budget: { maxTokens: 0 } },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const neg = await c.gql(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      input: { description: 'bad budget', tasks: SIX, budget: { maxCostUsd: -1 } },
    });
    expect(neg.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await c.gql(`mutation { setBudget(id: "V29ya2Zsb3c6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw", budget: { maxTokens: 5 }) { id } }`);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
