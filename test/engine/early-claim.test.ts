import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { refuseEvents } from '../support/refuse-events.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { until } from '../support/processes.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

// On PostgreSQL a queued task starts its model call as soon as its claim is written, while the claim's
// transaction is still under way (on SQLite the claim's statements run in this thread: it starts after
// the commit). It belongs to the postgresql project only (vitest.config.ts).
const runs = testDialect === 'postgresql' && (await serviceAvailable('postgresql'));

describe.runIf(runs)('a queued task started before its claim commits', () => {
  const fake = scriptedModels({ delayMs: (k) => (k === 'r' ? 10_000 : 20) });
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { models: fake.factory });
  });
  afterAll(async () => t?.close());

  it('a queued task, started as its claim is written, is aborted with nothing written when the claim fails', async () => {
    const allow = await refuseEvents(t.app.services.db, 'refuse_root', { kind: 'task_started', key: 'r' });
    try {
      const id = await t.app.services.workflows.create('default', {
        description: 'early claim rollback',
        tasks: [{ key: 'r', agent: '@backend', description: 'root', dependsOn: [] }],
      });
      await t.app.services.workflows.start('default', id);
      await until(() => fake.callsFor('r').length > 0 && fake.callsFor('r')[0]!.aborted === true, "task r's model call to be aborted", 5000, 10);
      const rows = (await t.app.engine.store.tasks(id)).map(({ status, attempts, leased }) => ({ status, attempts, leased }));
      expect(rows).toEqual([{ status: 'READY', attempts: 0, leased: false }]);
      const kinds = (await t.app.services.workflows.eventsAfter('default', id, 0)).map((e) => e.kind);
      expect(kinds).not.toContain('task_started');
    } finally {
      await allow();
    }
  });
});
