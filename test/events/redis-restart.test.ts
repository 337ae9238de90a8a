import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { EventBus } from '../../src/events/event-bus.ts';
import { createRedisBus, EventBusUnavailableError } from '../../src/events/redis-bus.ts';
import { until } from '../support/processes.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';

const PASSWORD = `secret-${randomUUID()}`;
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer && process.env.CI) throw new Error('redis-server is required in CI but is not on PATH');
if (!hasRedisServer) console.warn('skipping the Redis restart test: redis-server is not on PATH');

const dir = mkdtempSync(join(tmpdir(), 'baton-redis-'));
let server: ChildProcess | undefined;
let bus: EventBus | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

afterAll(async () => {
  await bus?.close();
  server?.kill('SIGKILL');
  process.off('unhandledRejection', onUnhandled);
  rmSync(dir, { recursive: true, force: true });
});

const startRedis = (port: number) => startRedisServer(port, { cwd: dir, password: PASSWORD });

const killed = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()).kill('SIGKILL'));

it.skipIf(!hasRedisServer)('survives a Redis restart: publish settles during the outage, the subscriber resumes after', async () => {
  const port = await freePort();
  server = await startRedis(port);
  const logs: string[] = [];
  const logger = { info: (o: object, m: string) => logs.push(`${m} ${JSON.stringify(o)}`), warn: (o: object, m: string) => logs.push(`${m} ${JSON.stringify(o)}`) };
  bus = createRedisBus({ url: `redis://:${PASSWORD}@127.0.0.1:${port}`, prefix: `baton-test-${randomUUID()}:`, maxRetryDelayMs: 200, publishTimeoutMs: 1000, logger });

  let reconnects = 0;
  bus.onReconnect!(() => reconnects++);
  const sub = await bus.subscribe<string>('wf');
  const other = await bus.subscribe<string>('other');
  await bus.publish('wf', 'before');
  expect(await sub.next()).toEqual({ done: false, value: 'before' });

  await killed(server);
  const outage = Date.now();
  const results = await Promise.allSettled(['during-1', 'during-2', 'during-3'].map((m) => bus!.publish('wf', m)));
  expect(Date.now() - outage).toBeLessThan(2500);
  for (const r of results) {
    expect(r.status).toBe('rejected');
    expect((r as PromiseRejectedResult).reason).toBeInstanceOf(EventBusUnavailableError);
  }
  // Once the outage is known, a publish fails at once rather than after a reconnect attempt (the engine awaits it).
  await until(
    () =>
      bus!.publish('wf', 'probe').then(
        () => false,
        () => true,
      ),
    'the outage to be known',
    5000,
    10,
  );
  const failFast = Date.now();
  await expect(bus.publish('wf', 'during-4')).rejects.toBeInstanceOf(EventBusUnavailableError);
  expect(Date.now() - failFast).toBeLessThan(500);
  expect(reconnects).toBe(0);
  // Leaving a topic sends UNSUBSCRIBE into a dead connection: it must fail quietly.
  other.close();
  await expect(bus.subscribe('late')).rejects.toBeInstanceOf(EventBusUnavailableError);
  await new Promise((r) => setTimeout(r, 300));

  server = await startRedis(port);
  // The bus signals once both connections are back and the channels are subscribed again, so the
  // first publish after the signal is delivered: a reader that re-reads its log then misses nothing.
  await until(() => reconnects >= 1, 'the bus to signal its reconnect', 15_000, 20);
  await bus.publish('wf', 'after');
  expect(await sub.next()).toEqual({ done: false, value: 'after' });
  expect(reconnects).toBe(1);
  await bus.publish('wf', 'final');
  let last: IteratorResult<string>;
  do last = await sub.next();
  while (!last.done && last.value !== 'final');
  expect(last.value).toBe('final');

  expect(unhandled).toEqual([]);
  expect(logs.some((l) => l.includes('redis connection lost'))).toBe(true);
  expect(logs.some((l) => l.includes('redis connection restored'))).toBe(true);
  expect(logs.join('\n')).not.toContain(PASSWORD);
});
