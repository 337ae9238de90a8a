import { afterAll, describe, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { modelEnv } from '../support/planning-jobs.ts';
import { type BatonProcess, cleanUp, killAllBatons, spawnBaton } from '../support/processes.ts';
import { createTestDatabase, serviceAvailable, type TestDatabase, testDialect } from '../support/services.ts';
import { approvalsFlow, numberedAnswers } from './process-flow.ts';

/**
 * Issue #14: waiting states are durable. One Baton process (`node --import tsx src/main.ts`, no
 * Redis: SQLite file or PostgreSQL with the in-process queue) runs the acceptance flow and is
 * killed with SIGKILL while task 1 awaits approval; the restart takes it from there.
 * PostgreSQL + BullMQ with separate API and worker processes: approvals-bullmq.test.ts.
 */
const pgOk = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
if (!pgOk && !process.env.CI) console.log('[steering] PostgreSQL unreachable: skipped');

describe.runIf(pgOk || process.env.CI)(`approvals survive kill -9 (one process, ${testDialect})`, () => {
  let db: TestDatabase;
  let fake: FakeOpenAI;
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => fake?.close(),
      () => db?.drop(),
    ),
  );

  it('1 and 3 await with no model call; approve 3; kill -9; 1 still awaits; approve 1; review of 2 with requestChanges; COMPLETED', async () => {
    db = await createTestDatabase();
    fake = await startFakeOpenAI(numberedAnswers());
    const env = { ...db.env, ...modelEnv(fake), AUTH: 'off' };
    let baton: BatonProcess = spawnBaton(env, 'baton-1');
    await baton.ready;
    await approvalsFlow({
      api: () => baton,
      fake,
      async restart() {
        const exit = await baton.kill('SIGKILL');
        if (exit.signal !== 'SIGKILL') throw new Error(`baton-1 was not killed: ${JSON.stringify(exit)}`);
        baton = spawnBaton(env, 'baton-2');
        await baton.ready;
      },
    });
  }, 180_000);
});
