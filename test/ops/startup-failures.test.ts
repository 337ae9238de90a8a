import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, killAllBatons, spawnBaton } from '../support/processes.ts';
import { createTestDatabase, serviceAvailable } from '../support/services.ts';

/**
 * A process that cannot start says why in ONE line on stderr (what is wrong and what to do),
 * with no stack trace, and exits non-zero; it never hangs behind a service that is not there.
 */
async function startFails(env: Record<string, string>) {
  const p = spawnBaton({ AUTH: 'off', ...env }, 'failing');
  let stderr = '';
  p.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exit = await p.exited;
  return { exit, lines: stderr.split('\n').filter((l) => l.trim() !== ''), output: p.output() };
}

function expectOneLine(r: Awaited<ReturnType<typeof startFails>>, pattern: RegExp) {
  expect(r.exit.code, r.output).not.toBe(0);
  expect(r.exit.code, r.output).not.toBeNull();
  expect(r.lines, r.output).toHaveLength(1);
  expect(r.lines[0]).toMatch(/^baton: /);
  expect(r.lines[0]).toMatch(pattern);
  expect(r.lines[0]).not.toMatch(/:\d+:\d+\)|\bat async\b|node:internal/); // no stack frame
  expect(r.output).not.toMatch(/^\s+at /m);
}

/** A TCP port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const pgUp = await serviceAvailable('postgresql');

describe('start-up failures: one line, exit non-zero', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-startup-'));
  const servers: Server[] = [];
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      ...servers.map((s) => () => new Promise((r) => s.close(r))),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
  );

  it('port in use', async () => {
    const s = createServer();
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    const r = await startFails({ PORT: String(port), SQLITE_PATH: join(dir, 'port.sqlite') });
    expectOneLine(r, new RegExp(`port ${port} is in use.*set PORT`));
  }, 60_000);

  it('database unreachable', async () => {
    const r = await startFails({ DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${await closedPort()}/baton` });
    expectOneLine(r, /cannot open the database 127\.0\.0\.1:\d+\/baton .*ECONNREFUSED.*DATABASE_URL/);
    expect(r.lines[0]).not.toContain('secret-pw');
  }, 60_000);

  it('SQLite file that cannot be opened', async () => {
    const r = await startFails({ SQLITE_PATH: dir }); // a directory
    expectOneLine(r, /cannot open the database file .*SQLITE_PATH/);
  }, 60_000);

  it('Redis unreachable: a bounded wait, then the line', async () => {
    const began = Date.now();
    const r = await startFails({ SQLITE_PATH: join(dir, 'redis.sqlite'), REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    expectOneLine(r, /cannot reach Redis at 127\.0\.0\.1:\d+ .*REDIS_URL/);
    expect(Date.now() - began).toBeLessThan(50_000);
  }, 60_000);

  it.runIf(pgUp)(
    'migration failure',
    async () => {
      const db = await createTestDatabase('postgresql');
      try {
        // A table in the way of the first migration (and no record of Baton's migrations).
        const c = new pg.Client({ connectionString: db.env.DATABASE_URL });
        await c.connect();
        await c.query('CREATE TABLE agents (unrelated int)');
        await c.end();
        const r = await startFails({ ...db.env });
        expectOneLine(r, /database migration failed .*agents.*already exists.*start again/);
      } finally {
        await db.drop();
      }
    },
    60_000,
  );
});
