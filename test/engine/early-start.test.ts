import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { workflowTopic } from '../../src/events/types.ts';
import { refuseEvents } from '../support/refuse-events.ts';
import { until } from '../support/processes.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

// A dependent claimed in the transaction that completes its last dependency starts its model call
// before the rest of that transaction (events, commit) is written, on both dialects. (On PostgreSQL a
// queued task's claim does too: early-claim.test.ts.)
const runs = testDialect === 'sqlite' || (await serviceAvailable('postgresql'));

describe.runIf(runs)('a task started before its claim commits', () => {
  const fake = scriptedModels({ delayMs: (k) => (k === '2' ? 10_000 : 20) });
  let t: TestApp;
  let dropTrigger: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    t = await startTestApp({}, { models: fake.factory });
  });
  afterAll(async () => {
    await dropTrigger?.().catch(() => {});
    await t?.close();
  });

  it('runs normally: its output is streamed after its task_started, and its prompt carries the output just completed', async () => {
    const id = await t.app.services.workflows.create('default', {
      description: 'early',
      tasks: [
        { key: '1', agent: '@backend', description: 'first', dependsOn: [] },
        { key: '3', agent: '@qa', description: 'after 1', dependsOn: ['1'] },
      ],
    });
    const sub = await t.app.services.bus.subscribe<{ kind: string; seq: number; payload: { key?: string } }>(workflowTopic(id), { bufferSize: 1000 });
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of sub) {
        seen.push(`${e.kind}:${e.payload.key ?? ''}`);
        if (e.kind === 'completed' || e.kind === 'failed') break;
      }
    })();
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    await done;
    sub.close();
    const three = seen.filter((s) => s.endsWith(':3'));
    expect(three[0]).toBe('task_started:3');
    expect(three).toContain('task_output:3');
    expect(seen.indexOf('task_started:3')).toBeGreaterThan(seen.indexOf('task_completed:1'));
    expect(fake.callsFor('3')[0]!.prompt).toContain('output of task 1');
  });

  it('is aborted, and nothing of it is written, when that transaction fails', async () => {
    // The events of the transaction that completes task 1 and claims task 2 cannot be stored.
    dropTrigger = await refuseEvents(t.app.services.db, 'refuse_started', { kind: 'task_started', key: '2' }); // dropped in afterAll
    const id = await t.app.services.workflows.create('default', {
      description: 'early rollback',
      tasks: [
        { key: '1', agent: '@backend', description: 'first', dependsOn: [] },
        { key: '2', agent: '@backend', description: 'second', dependsOn: ['1'] },
      ],
    });
    const before = fake.callsFor('2').length;
    await t.app.services.workflows.start('default', id);
    // Task 2's model call began with the claim, and stops when the transaction fails.
    await until(() => fake.callsFor('2').length > before && fake.callsFor('2').at(-1)!.aborted === true, "task 2's model call to be aborted", 5000, 10);
    const rows = (await t.app.engine.store.tasks(id)).map(({ key, status, output }) => ({ key, status, output }));
    expect(rows).toEqual([
      { key: '1', status: 'RUNNING', output: null },
      { key: '2', status: 'PENDING', output: null },
    ]);
    const kinds = (await t.app.services.workflows.eventsAfter('default', id, 0)).map((e) => `${e.kind}:${(e.payload as { key?: string }).key ?? ''}`);
    expect(kinds).not.toContain('task_started:2');
    expect(kinds).not.toContain('task_completed:1');
  });
});
