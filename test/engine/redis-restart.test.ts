import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { scriptedModels } from '../support/scripted-model.ts';

// A private Redis on a free port, so killing it disturbs nothing else on the machine.
const dir = mkdtempSync(join(tmpdir(), 'baton-redis-restart-'));
let redis: ChildProcess | undefined;
let t: TestApp | undefined;

afterAll(async () => {
  await t?.close();
  redis?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const startRedis = (port: number) => startRedisServer(port, { cwd: dir });

it('a Redis restart mid-run (losing every queued job) does not stop the service: the workflow completes and its log has no gap', async () => {
  const port = await freePort();
  redis = await startRedis(port);
  const models = scriptedModels({ delayMs: (k) => (k === '1' ? 150 : 100) });
  t = await startTestApp(
    { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: 'restart:', RECONCILE_MS: '300', BULLMQ_LOCK_MS: '2000', ROLE: 'all' },
    { models: models.factory },
  );
  const id = await t.app.services.workflows.create('default', { description: 'through a Redis restart', tasks: AUTH_TASKS });
  await t.app.services.workflows.start('default', id);
  await until(() => models.calls.some((c) => c.key === '2'), 'task 2 to start', 10_000);
  await new Promise<void>((resolve) => redis!.once('exit', () => resolve()).kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 500)); // tasks finish and commit while Redis is down
  redis = await startRedis(port);
  expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'], 25_000)).toBe('COMPLETED');
  for (const key of ['1', '2', '3', '4', '5', '6', '7', '8']) expect(models.callsFor(key).length).toBeGreaterThanOrEqual(1);
  const events = await t.app.services.workflows.eventsAfter('default', id, 0);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.kind === 'task_completed')).toHaveLength(8);
  expect((await t.app.services.health()).redis).toBe(true);
});
