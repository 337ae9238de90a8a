import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

/**
 * Retries, timeouts and failures through the real ChatOpenAI client against a
 * local OpenAI-compatible server. Each workflow's request text names its
 * scenario; the server answers by scenario and by how often it has seen it.
 */
describe.runIf(runs)(`retries and timeouts on ${testDialect}`, () => {
  let fake: FakeOpenAI;
  /** Default policy: 3 attempts, 120 s timeout. */
  let three: TestApp;
  /** TASK_MAX_ATTEMPTS=2, TASK_TIMEOUT_MS=300. */
  let two: TestApp;
  const seen = new Map<string, number>();
  const scenarios: Record<string, (n: number) => FakeBehaviour> = {
    'rate-limited': (n) => (n <= 2 ? { status: 429, message: 'Rate limit reached for gpt-4o-mini' } : { content: 'finally done' }),
    'server-error': () => ({ status: 500, message: 'upstream exploded' }),
    hang: () => ({ hang: true }),
    empty: () => ({ content: '' }),
    'bad-request': () => ({ status: 400, message: "Invalid 'messages': too long" }),
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const task = taskOf(req.body);
      const scenario = task?.request.split(' ')[0] ?? '';
      const n = (seen.get(task?.request ?? '') ?? 0) + 1;
      seen.set(task?.request ?? '', n);
      return scenarios[scenario]?.(n) ?? { content: `done: task ${task?.key ?? '?'}` };
    });
    const llm = { ROLE: 'worker', LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' };
    [three, two] = await Promise.all([startTestApp({ ...llm, TASK_MAX_ATTEMPTS: '3' }), startTestApp({ ...llm, TASK_MAX_ATTEMPTS: '2', TASK_TIMEOUT_MS: '300' })]);
  });
  afterAll(async () => {
    await Promise.all([three?.close(), two?.close()]);
    await fake?.close();
  });

  /** Runs a workflow of task 1 (the scenario) and task 2 depending on it; returns what happened. */
  async function run(t: TestApp, scenario: string) {
    const request = `${scenario} ${randomUUID()}`;
    const id = await t.app.services.workflows.create('default', {
      description: request,
      tasks: [
        { key: '1', agent: 'backend', description: `the ${scenario} task` },
        { key: '2', agent: 'qa', description: 'test it', dependsOn: ['1'] },
      ],
    });
    const began = Date.now();
    await t.app.services.workflows.start('default', id);
    const status = await waitForStatus(t.app, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000);
    const ms = Date.now() - began;
    const tasks = (await t.app.engine.store.tasks(id)).map(({ key, status, attempts, output, error }) => ({ key, status, attempts, output, error }));
    const wf = (await t.app.engine.store.outcome(id))!;
    const events = await t.app.services.workflows.eventsAfter('default', id, 0);
    const calls = fake.requests.filter((r) => taskOf(r.body)?.request === request);
    return {
      status,
      ms,
      wf,
      events,
      task1: tasks[0]!,
      task2: tasks[1]!,
      calls: (key: string) => calls.filter((r) => taskOf(r.body)!.key === key).length,
      kinds: (kind: string) => events.filter((e) => e.kind === kind),
    };
  }

  it('429 twice, then an answer: COMPLETED on attempt 3, with two task_retrying events', async () => {
    const r = await run(three, 'rate-limited');
    expect(r.status).toBe('COMPLETED');
    expect(r.task1).toMatchObject({ status: 'COMPLETED', output: 'finally done', error: null });
    expect(Number(r.task1.attempts)).toBe(3);
    expect(r.calls('1')).toBe(3);
    const retrying = r.kinds('task_retrying').map((e) => e.payload as { key: string; attempt: number; error: string; delayMs: number });
    expect(retrying).toHaveLength(2);
    expect(retrying.map((p) => [p.key, p.attempt])).toEqual([
      ['1', 2],
      ['1', 3],
    ]);
    for (const p of retrying) {
      expect(p.error).toMatch(/429/);
      expect(p.error).toContain('Rate limit reached for gpt-4o-mini');
      expect(p.delayMs).toBeGreaterThanOrEqual(0);
    }
    // The dependent ran once, after the third attempt succeeded.
    expect(r.task2.status).toBe('COMPLETED');
    expect(r.calls('2')).toBe(1);
  });

  it('500 every time, TASK_MAX_ATTEMPTS=2: FAILED after 2 calls, naming the provider message', async () => {
    const r = await run(two, 'server-error');
    expect(r.status).toBe('FAILED');
    expect(r.calls('1')).toBe(2);
    expect(r.kinds('task_retrying')).toHaveLength(1);
    expect(r.task1.status).toBe('FAILED');
    expect(r.task1.error).toMatch(/500/);
    expect(r.task1.error).toContain('upstream exploded');
    expect(r.wf.error).toMatch(/^task 1 \(@backend\) failed: .*500.*upstream exploded/);
    expect(r.task2.status).toBe('SKIPPED');
    expect(r.calls('2')).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ kind: 'failed', payload: { error: r.wf.error } });
  });

  it('a provider that never answers, TASK_TIMEOUT_MS=300: each attempt is aborted at the timeout, retried, then FAILED', async () => {
    const abortsBefore = fake.abortedCount;
    const r = await run(two, 'hang');
    expect(r.status).toBe('FAILED');
    expect(r.calls('1')).toBe(2);
    // Both calls were aborted (the timeout reaches the HTTP request), not left hanging.
    await fake.onAbort(abortsBefore + 2);
    expect(r.kinds('task_retrying').map((e) => (e.payload as { error: string }).error)).toEqual(['no answer within 300 ms']);
    expect(r.task1.error).toBe('no answer within 300 ms');
    expect(r.wf.error).toBe('task 1 (@backend) failed: no answer within 300 ms');
    expect(r.task2.status).toBe('SKIPPED');
    // Two timeouts of 300 ms plus one short backoff; far from the 120 s default.
    expect(r.ms).toBeGreaterThanOrEqual(600);
    expect(r.ms).toBeLessThan(5000);
  });

  it('an empty answer is a failure, not a success', async () => {
    const r = await run(three, 'empty');
    expect(r.status).toBe('FAILED');
    expect(r.calls('1')).toBe(3);
    expect(r.task1).toMatchObject({ status: 'FAILED', output: null, error: 'the model returned an empty answer' });
    expect(r.kinds('task_completed')).toHaveLength(0);
    expect(r.task2.status).toBe('SKIPPED');
  });

  it('a 400 fails at once: one call, no retry', async () => {
    const r = await run(three, 'bad-request');
    expect(r.status).toBe('FAILED');
    expect(r.calls('1')).toBe(1);
    expect(Number(r.task1.attempts)).toBe(1);
    expect(r.kinds('task_retrying')).toHaveLength(0);
    expect(r.task1.error).toMatch(/400/);
    expect(r.task1.error).toContain("Invalid 'messages': too long");
    expect(r.wf.error).toMatch(/^task 1 \(@backend\) failed: .*400/);
    expect(r.task2.status).toBe('SKIPPED');
  });
});
