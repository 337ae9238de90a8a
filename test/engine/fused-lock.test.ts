import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

// On PostgreSQL a claim takes the workflow's lock inside its own statement. A statement sees the rows
// as they were when it began, so a claim that waited for the lock held by a transaction making the
// task READY must still claim it once that commits. It belongs to the postgresql project only.
const runs = testDialect === 'postgresql' && (await serviceAvailable('postgresql'));

describe.runIf(runs)('a claim that waits for the workflow lock', () => {
  const fake = scriptedModels();
  let t: TestApp;
  beforeAll(async () => {
    // ROLE=api: nothing runs tasks but this test's own calls of the store.
    t = await startTestApp({ ROLE: 'api' }, { models: fake.factory });
  });
  afterAll(async () => t?.close());

  it('claims a task that the holder of the lock made READY while it waited', async () => {
    const id = await t.app.services.workflows.create('default', {
      description: 'fused lock',
      tasks: [{ key: '1', agent: '@backend', description: 'root', dependsOn: [] }],
    });
    const knex = t.app.services.db.knex;
    const row = await knex('tasks').where({ workflow_id: id }).first('id', 'order_index');
    const ready = { taskId: row.id as string, workflowId: id, key: '1', agent: 'backend', orderIndex: Number(row.order_index) };
    await knex('workflows').where({ id }).update({ status: 'EXECUTING' });

    // Another transaction holds the lock and makes the task READY, as a start does.
    const trx = await knex.transaction();
    await trx('workflows').where({ id }).update({ updated_at: Date.now() });
    await trx('tasks').where({ id: ready.taskId }).update({ status: 'READY' });
    let settled = false;
    const claim = t.app.engine.store.claim(ready).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false); // waiting for the lock
    await trx.commit();

    const c = await claim;
    expect(c.value?.taskId).toBe(ready.taskId);
    expect(c.events.map((e) => e.kind)).toEqual(['task_started']);
    expect(await knex('tasks').where({ id: ready.taskId }).first('status', 'lease', 'attempts')).toEqual({ status: 'RUNNING', lease: c.value!.lease, attempts: 1 });
  });
});
