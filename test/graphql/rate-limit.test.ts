import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Config } from '../../src/config.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { REDIS_TEST_URL, serviceAvailable, testDialect, testRedisPrefix } from '../support/services.ts';
import type { Result } from './client.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const redisRuns = runs && (await serviceAvailable('redis'));
const PLAN = 'mutation { planWorkflow(input: { request: "Write a haiku about rate limits" }) { id } }';
const QUERY = '{ health { ok } }';

type Server = ReturnType<typeof createHttpServer>;

describe.runIf(runs)(`rate limits on ${testDialect}`, () => {
  let t: TestApp;
  const servers: Server[] = [];
  /** An HTTP server on the test app's services with these settings (the app itself keeps its defaults). */
  const serverWith = (patch: Partial<Config>) => {
    // AUTH=off: no keys checked (the local admin), as a server with AUTH=off is; else the app's keys.
    const s = createHttpServer({ ...t.app.services, config: { ...t.app.services.config, ...patch } }, patch.auth === 'off' ? {} : t.app.httpAuth);
    servers.push(s);
    return s;
  };
  const post = async (s: Server, query: string, headers: Record<string, string> = { authorization: `Bearer ${t.key}` }) => {
    const res = await s.fetch('http://baton.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Result<unknown> };
  };
  const code = (r: { body: Result<unknown> }) => r.body.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await t?.close();
  });

  it('beyond RATE_LIMIT_PER_MIN: 429, Retry-After and RATE_LIMITED with retryAfterMs; nothing runs', async () => {
    const s = serverWith({ rateLimitPerMin: 3 });
    for (let i = 0; i < 3; i++) expect((await post(s, QUERY)).body.errors).toBeUndefined();
    const r = await post(s, PLAN);
    expect(r.status).toBe(429);
    expect(code(r)).toBe('RATE_LIMITED');
    const ext = r.body.errors![0]!.extensions!;
    expect(ext).toMatchObject({ limit: 'operations' });
    expect(ext.http).toBeUndefined();
    expect(ext.retryAfterMs).toBeGreaterThan(50_000);
    expect(ext.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(Number(r.retryAfter)).toBe(Math.ceil((ext.retryAfterMs as number) / 1000));
    expect(r.body.data ?? null).toBeNull();
  });

  it('planning has its own, lower budget: planning is refused while other operations go on', async () => {
    const s = serverWith({ rateLimitPerMin: 100, planRateLimitPerMin: 3 });
    expect((await post(s, PLAN)).body.errors).toBeUndefined();
    // Two planning calls in one operation (aliases) count as two: 3 of 3 used.
    const twice = await post(s, 'mutation { a: planWorkflow(input: { request: "one" }) { id } b: planWorkflow(input: { request: "two" }) { id } }');
    expect(twice.body.errors).toBeUndefined();
    const fourth = await post(s, PLAN);
    expect(fourth.status).toBe(429);
    expect(fourth.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'planning' });
    expect((await post(s, QUERY)).body.errors).toBeUndefined();
  });

  it('with AUTH=required each API key has its own budget; with AUTH=off a token does not buy a new one', async () => {
    const one = (await t.app.services.keys.create('default', 'admin', 'rate one')).key;
    const two = (await t.app.services.keys.create('default', 'admin', 'rate two')).key;
    const keyed = serverWith({ rateLimitPerMin: 1, auth: 'required' });
    expect((await post(keyed, QUERY, { authorization: `Bearer ${one}` })).body.errors).toBeUndefined();
    expect(code(await post(keyed, QUERY, { authorization: `Bearer ${one}` }))).toBe('RATE_LIMITED');
    expect((await post(keyed, QUERY, { authorization: `Bearer ${two}` })).body.errors).toBeUndefined();

    const open = serverWith({ rateLimitPerMin: 1, auth: 'off' });
    expect((await post(open, QUERY, { authorization: 'Bearer key-one' })).body.errors).toBeUndefined();
    expect(code(await post(open, QUERY, { authorization: 'Bearer key-two' }))).toBe('RATE_LIMITED');
  });

  it('applies over graphql-ws, keyed by connectionParams.authorization', async () => {
    const s = serverWith({ rateLimitPerMin: 2, auth: 'required' });
    const { url } = await s.start(0, '127.0.0.1');
    const run = async (authorization: string) => {
      const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization } });
      try {
        for await (const r of client.iterate({ query: QUERY })) return r.errors ?? [];
        return [];
      } catch (errs) {
        return errs as { extensions?: Record<string, unknown> }[];
      } finally {
        await client.dispose();
      }
    };
    const wsKey = (await t.app.services.keys.create('default', 'admin', 'rate ws')).key;
    const otherKey = (await t.app.services.keys.create('default', 'admin', 'rate ws other')).key;
    expect(await run(`Bearer ${wsKey}`)).toEqual([]);
    expect(await run(`Bearer ${wsKey}`)).toEqual([]);
    const refused = await run(`Bearer ${wsKey}`);
    expect(refused[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'operations' });
    expect(refused[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
    expect(refused[0]?.extensions?.http).toBeUndefined();
    expect(await run(`Bearer ${otherKey}`)).toEqual([]);
  });

  describe.runIf(redisRuns)('through Redis', () => {
    const prefix = testRedisPrefix();
    afterAll(async () => {
      // Only this suite's keys: the shared Redis is never flushed.
      const r = new Redis(REDIS_TEST_URL);
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    });

    it('two API processes sharing one Redis prefix share the limit', async () => {
      const shared = { rateLimitPerMin: 4, redisUrl: REDIS_TEST_URL, redisPrefix: prefix };
      const a = serverWith(shared);
      const b = serverWith(shared);
      // start() waits (briefly) for the limiter's Redis connection, as a real process does.
      await Promise.all([a.start(0, '127.0.0.1'), b.start(0, '127.0.0.1')]);
      for (const s of [a, b, a, b]) expect((await post(s, QUERY)).body.errors).toBeUndefined();
      const r = await post(a, QUERY);
      expect(r.status).toBe(429);
      expect(code(r)).toBe('RATE_LIMITED');
      expect(code(await post(b, QUERY))).toBe('RATE_LIMITED');
      const r2 = new Redis(REDIS_TEST_URL);
      try {
        expect((await r2.keys(`${prefix}ratelimit:ops*`)).length).toBe(1);
      } finally {
        r2.disconnect();
      }
      // Stopped and started again, a server counts in Redis again (not in a fresh memory budget).
      await a.stop();
      await a.start(0, '127.0.0.1');
      expect(code(await post(a, QUERY))).toBe('RATE_LIMITED');
    });

    it('a Redis outage does not take the API down: each process counts in memory meanwhile', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-rl-redis-'));
      const port = await freePort();
      let redis: ChildProcess | undefined = await startRedisServer(port, { cwd: dir });
      try {
        const s = serverWith({ rateLimitPerMin: 3, redisUrl: `redis://127.0.0.1:${port}`, redisPrefix: prefix });
        await s.start(0, '127.0.0.1');
        expect((await post(s, QUERY)).body.errors).toBeUndefined();
        redis.kill('SIGKILL');
        await new Promise((r) => redis!.once('exit', r));
        redis = undefined;
        const t0 = performance.now();
        const answers = [await post(s, QUERY), await post(s, QUERY), await post(s, QUERY), await post(s, QUERY)];
        expect(performance.now() - t0).toBeLessThan(5000);
        // The memory insurance starts its own count: three pass, the fourth is over.
        expect(answers.map(code)).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
      } finally {
        redis?.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
