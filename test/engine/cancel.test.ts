import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { sleep, until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

// Cancel with the real ChatOpenAI client talking to a local OpenAI-compatible server:
// the abort must travel down into the HTTP request.
describe.runIf(runs)(`cancel on ${testDialect}`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const task = taskOf(req.body);
      if (task?.request.startsWith('hang-2') && task.key === '2') return { hang: true };
      return { content: `done: task ${task?.key ?? '?'}` };
    });
    t = await startTestApp({ ROLE: 'worker', LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('aborts the in-flight model call, cancels every unfinished task, and nothing runs or writes afterwards', async () => {
    const request = `hang-2 ${randomUUID()}`;
    const forThis = () => fake.requests.filter((r) => taskOf(r.body)?.request === request);
    const id = await t.app.services.workflows.create('default', { description: request, tasks: AUTH_TASKS });
    await t.app.services.workflows.start('default', id);

    // Task 2's request is in flight at the provider (and hangs there); every task that does not
    // wait for task 2 has finished, so task 2's is the only model call in flight.
    await until(() => forThis().some((r) => taskOf(r.body)!.key === '2'), "task 2's model request", 10_000, 5);
    const statuses = async () => Object.fromEntries((await t.app.engine.store.tasks(id)).map((r) => [r.key, r.status]));
    await until(
      async () => {
        const s = await statuses();
        return ['1', '3', '4', '5'].every((k) => s[k] === 'COMPLETED');
      },
      'tasks 1, 3, 4 and 5 to complete',
      10_000,
      5,
    );
    expect((await statuses())['2']).toBe('RUNNING');
    const abortsBefore = fake.abortedCount;
    const aborted = fake.onAbort(abortsBefore + 1);
    const requestsAtCancel = forThis().length;
    expect(requestsAtCancel).toBe(5);

    const cancelAt = Date.now();
    await t.app.services.workflows.cancel('default', id);
    expect(await t.app.engine.store.status(id)).toBe('CANCELLED');

    // The provider sees task 2's request aborted, promptly.
    await Promise.race([aborted, sleep(3000).then(() => Promise.reject(new Error('the provider never saw the request aborted')))]);
    const abortMs = Date.now() - cancelAt;
    expect(abortMs).toBeLessThan(1000);
    expect(fake.abortedCount).toBe(abortsBefore + 1);

    const rows = await t.app.engine.store.tasks(id);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r.status]));
    expect(byKey).toEqual({
      '1': 'COMPLETED',
      '2': 'CANCELLED',
      '3': 'COMPLETED',
      '4': 'COMPLETED',
      '5': 'COMPLETED',
      '6': 'CANCELLED',
      '7': 'CANCELLED',
      '8': 'CANCELLED',
    });
    for (const r of rows.filter((x) => x.status === 'CANCELLED')) expect(r.output).toBeNull();

    const eventsAtCancel = await t.app.services.workflows.eventsAfter('default', id, 0);
    expect(eventsAtCancel.map((e) => e.seq)).toEqual(eventsAtCancel.map((_, i) => i + 1));
    expect(eventsAtCancel.at(-1)!.kind).toBe('cancelled');
    expect(eventsAtCancel.slice(-5).map((e) => [e.kind, (e.payload as { key?: string }).key])).toEqual([
      ['task_cancelled', '2'],
      ['task_cancelled', '6'],
      ['task_cancelled', '7'],
      ['task_cancelled', '8'],
      ['cancelled', undefined],
    ]);

    // Wait a while: no model request for any task arrives, and nothing is written after the cancel
    // (task 2's aborted call does not turn into task_failed, no retry, no task starts).
    await sleep(800);
    expect(forThis()).toHaveLength(requestsAtCancel);
    expect(await t.app.engine.store.status(id)).toBe('CANCELLED');
    const events = await t.app.services.workflows.eventsAfter('default', id, 0);
    expect(events).toEqual(eventsAtCancel);
    expect(await statuses()).toEqual(byKey);
    console.log(`[cancel/${testDialect}] provider saw the abort ${abortMs} ms after cancelWorkflow was called`);
  });

  it('aborts every in-flight call of the workflow at once, and leaves other workflows alone', async () => {
    const request = `hang-all ${randomUUID()}`;
    const other = `quick ${randomUUID()}`;
    fake.setResponder((req) => {
      const task = taskOf(req.body);
      if (task?.request === request) return { hang: true };
      return { content: `done: task ${task?.key ?? '?'}`, delayMs: 150 };
    });
    try {
      const id = await t.app.services.workflows.create('default', { description: request, tasks: AUTH_TASKS });
      const otherId = await t.app.services.workflows.create('default', { description: other, tasks: AUTH_TASKS });
      await t.app.services.workflows.start('default', id);
      await t.app.services.workflows.start('default', otherId);
      const forThis = () => fake.requests.filter((r) => taskOf(r.body)?.request === request);
      // Tasks 1, 4 and 5 have no dependencies: three calls hang at the provider.
      await until(() => forThis().length === 3, 'three hanging model requests', 10_000, 5);
      const abortsBefore = fake.abortedCount;
      const aborted = fake.onAbort(abortsBefore + 3);
      await t.app.services.workflows.cancel('default', id);
      await Promise.race([aborted, sleep(3000).then(() => Promise.reject(new Error(`only ${fake.abortedCount - abortsBefore} of 3 aborted`)))]);
      const rows = await t.app.engine.store.tasks(id);
      expect(rows.map((r) => r.status)).toEqual(Array(8).fill('CANCELLED'));
      // The other workflow runs to its end.
      expect(await waitForStatus(t.app, otherId, ['COMPLETED', 'FAILED', 'CANCELLED'])).toBe('COMPLETED');
      expect(forThis()).toHaveLength(3);
      expect(fake.abortedCount).toBe(abortsBefore + 3);
    } finally {
      fake.setResponder((req) => ({ content: `done: task ${taskOf(req.body)?.key ?? '?'}` }));
    }
  });

  it('refuses to cancel a COMPLETED workflow (INVALID_STATE) and an unknown one (NOT_FOUND)', async () => {
    const id = await t.app.services.workflows.create('default', { description: `quick ${randomUUID()}`, tasks: AUTH_TASKS.slice(0, 2) });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED', 'CANCELLED'])).toBe('COMPLETED');
    const seqBefore = (await t.app.services.workflows.eventsAfter('default', id, 0)).length;

    await expect(t.app.services.workflows.cancel('default', id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(await t.app.engine.store.status(id)).toBe('COMPLETED');
    expect(await t.app.services.workflows.eventsAfter('default', id, 0)).toHaveLength(seqBefore);

    await expect(t.app.services.workflows.cancel('default', randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
