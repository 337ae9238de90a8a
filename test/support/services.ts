import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import pg from 'pg';

/**
 * Which database the DB suites use: BATON_TEST_DB=sqlite (default) or postgresql.
 * .ci/run runs them once with each.
 */
export const testDialect = (process.env.BATON_TEST_DB ?? 'sqlite') as 'sqlite' | 'postgresql';
export const PG_ADMIN_URL = process.env.BATON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_TEST_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port) }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * Whether a suite needing `what` can run. Unreachable: skip with a printed reason,
 * except under CI, where the suite must run and so fails.
 */
export async function serviceAvailable(what: 'postgresql' | 'redis'): Promise<boolean> {
  const ok = await reachable(what === 'postgresql' ? PG_ADMIN_URL : REDIS_TEST_URL);
  if (ok) return true;
  if (process.env.CI) throw new Error(`${what} is unreachable and CI is set: this suite must run`);
  console.warn(`[skip] ${what} is unreachable; skipping the suites that need it (set CI to make this an error)`);
  return false;
}

export interface TestDatabase {
  /** Environment for loadConfig: DATABASE_URL or SQLITE_PATH. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A fresh database for one test file: a temp SQLite file, or a new PostgreSQL database dropped afterwards. */
export async function createTestDatabase(dialect = testDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'baton-test-'));
    return { env: { SQLITE_PATH: join(dir, 'baton.sqlite') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `baton_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export const testRedisPrefix = () => `baton-test-${randomUUID().slice(0, 8)}:`;
