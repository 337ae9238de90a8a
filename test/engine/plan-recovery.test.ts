import { afterAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { planCalls, planningScript, planWorkflow, modelEnv, statusOf } from '../support/planning-jobs.ts';
import { cleanUp, killAllBatons, spawnBaton, until } from '../support/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/services.ts';

/**
 * Planning is a job like a task: the process making the orchestrator's call may stop (SIGTERM)
 * or die (kill -9) mid-call, and another process (or the restart) plans the workflow again; the
 * autoStarted run then completes. A ROLE=api process never calls a model.
 * Embedded here (sqlite project only); PostgreSQL + Redis in plan-recovery-bullmq.test.ts.
 */
describe('planning survives a kill -9 (embedded)', () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => fake?.close(),
      () => db?.drop(),
    ),
  );

  it('the restart plans the workflow again and the autoStarted run completes', async () => {
    db = await createTestDatabase('sqlite');
    fake = await startFakeOpenAI(planningScript(2));
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off' };
    const first = spawnBaton(env, 'embedded-1');
    await first.ready;
    const id = await planWorkflow(first);
    await until(() => planCalls(fake) === 1, 'the first planning call', 30_000);
    await first.kill('SIGKILL');
    const second = spawnBaton(env, 'embedded-2');
    await second.ready;
    await until(async () => (await statusOf(second, id)).status === 'COMPLETED', 'the workflow to complete', 60_000, 200);
    expect(planCalls(fake)).toBe(2);
    expect((await statusOf(second, id)).tasks.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED']);
  }, 150_000);
});
