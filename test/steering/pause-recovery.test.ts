import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { modelEnv } from '../support/planning-jobs.ts';
import { cleanUp, killAllBatons, sleep, spawnBaton, until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { createTestDatabase, serviceAvailable, type TestDatabase, testDialect } from '../support/services.ts';
import { gqlTo } from './process-flow.ts';

/**
 * A process killed (kill -9) while its workflow is PAUSED leaves a RUNNING task; its restart's
 * recovery skips it (only EXECUTING workflows are recovered), so resumeWorkflow queues it again and
 * the run completes. One Baton process, no Redis (SQLite file or PostgreSQL, in-process queue).
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

describe.runIf(pgOk || process.env.CI)(`resume after a kill -9 while PAUSED (one process, ${testDialect})`, () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => fake?.close(),
      () => db?.drop(),
    ),
  );

  it('the task left RUNNING runs again after resume, and the run completes', async () => {
    db = await createTestDatabase();
    const request = `pause-kill ${randomUUID().slice(0, 8)}`;
    let firstCall = true;
    fake = await startFakeOpenAI((req) => {
      const task = taskOf(req.body);
      // Task 1's first call hangs: the process is killed while it runs.
      if (task?.key === '1' && firstCall) {
        firstCall = false;
        return { hang: true };
      }
      return { content: `output of ${task?.key}`, delayMs: 10 };
    });
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off' };
    let baton = spawnBaton(env, 'baton-1');
    await baton.ready;
    const data = async (query: string, variables: Record<string, unknown>) => {
      const r = await gqlTo(baton, query, variables);
      expect(r.errors, baton.output()).toBeUndefined();
      return r.data as any;
    };
    const wf = (
      await data('mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', {
        input: {
          description: request,
          tasks: [
            { key: '1', agent: 'backend', description: 'Slow' },
            { key: '2', agent: 'qa', description: 'After 1', dependsOn: ['1'] },
          ],
        },
      })
    ).createWorkflow;
    const state = async () => (await data('query($id: ID!) { workflow(id: $id) { status tasks { key status } } }', { id: wf.id })).workflow;
    const callsFor = (key: string) => fake.requests.filter((r) => taskOf(r.body)?.request === request && taskOf(r.body)?.key === key);

    await data('mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id: wf.id });
    await until(() => callsFor('1').length === 1 || null, "task 1's call", 20_000);
    await data('mutation($id: ID!) { pauseWorkflow(id: $id) { id } }', { id: wf.id });
    expect((await baton.kill('SIGKILL')).signal).toBe('SIGKILL');

    baton = spawnBaton(env, 'baton-2');
    await baton.ready;
    await sleep(300);
    expect(await state()).toEqual({
      status: 'PAUSED',
      tasks: [
        { key: '1', status: 'RUNNING' },
        { key: '2', status: 'PENDING' },
      ],
    });
    expect(callsFor('1')).toHaveLength(1);

    await data('mutation($id: ID!) { resumeWorkflow(id: $id) { id } }', { id: wf.id });
    await until(async () => ((await state()).status === 'COMPLETED' ? true : null), 'the run to complete', 30_000, 100);
    expect(callsFor('1')).toHaveLength(2);
    expect(callsFor('2')).toHaveLength(1);
  }, 120_000);
});
