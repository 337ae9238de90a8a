import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, deleteRedisKeys, killAllBatons, spawnBaton, until } from '../support/processes.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, testDialect, testRedisPrefix } from '../support/services.ts';

/**
 * Processes started at the same instant on an EMPTY database all come up: one
 * migrates and seeds under the start lock, the others wait and find it done.
 * PostgreSQL (the production layout): one API and two workers on Redis.
 * SQLite: three embedded processes on one file (not a supported deployment, but
 * they must not corrupt it or fail to start).
 */
const available = testDialect === 'sqlite' || ((await serviceAvailable('postgresql')) && (await serviceAvailable('redis')));
const ROUNDS = 5;

describe.runIf(available)(`concurrent starts on an empty ${testDialect} database`, () => {
  const prefixes: string[] = [];
  afterAll(() => cleanUp(() => killAllBatons(), ...prefixes.map((p) => () => deleteRedisKeys(REDIS_TEST_URL, p))));

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: every process comes up and the database is seeded once`, async () => {
      const db = await createTestDatabase();
      try {
        const layout: Array<[string, Record<string, string>]> =
          testDialect === 'postgresql'
            ? [
                ['api', { ROLE: 'api' }],
                ['worker-1', { ROLE: 'worker' }],
                ['worker-2', { ROLE: 'worker' }],
              ]
            : [
                ['embedded-1', {}],
                ['embedded-2', {}],
                ['embedded-3', {}],
              ];
        const prefix = testRedisPrefix();
        prefixes.push(prefix);
        const shared = { ...db.env, AUTH: 'off', ...(testDialect === 'postgresql' ? { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix } : {}) };
        const procs = layout.map(([name, env]) => spawnBaton({ ...shared, ...env }, name));
        const outcomes = await Promise.allSettled(procs.map((p) => p.ready));
        const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${procs[i]!.name}: ${String(o.reason)}`] : []));
        expect(failed).toEqual([]);
        for (const p of procs) expect(p.alive(), p.output()).toBe(true);
        const api = procs[0]!;
        // "baton started" is logged just before the ready line with the URL.
        const url = await until(() => /GraphQL at (\S+)/.exec(api.output())?.[1], 'the API URL', 5000);
        const res = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ agents { name } }' }) });
        const body = (await res.json()) as { data?: { agents: Array<{ name: string }> } };
        const names = body.data?.agents.map((a) => a.name) ?? [];
        expect(names).toContain('orchestrator');
        expect(new Set(names).size).toBe(names.length);
        await Promise.all(procs.map((p) => p.kill('SIGTERM')));
      } finally {
        await killAllBatons();
        await db.drop();
      }
    }, 180_000);
  }
});
