import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { DASHBOARD_CSP, routeDashboard, useDashboard } from '../../src/server/dashboard.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('routeDashboard (pure)', () => {
  it('takes `/`, the client routes and /assets/<name>; leaves every other path alone', () => {
    expect(routeDashboard('GET', '/')).toEqual({ kind: 'page' });
    expect(routeDashboard('GET', '/workflows')).toEqual({ kind: 'page' });
    expect(routeDashboard('GET', '/workflows/Workflow:abc')).toEqual({ kind: 'page' });
    expect(routeDashboard('HEAD', '/workflows/abc/')).toEqual({ kind: 'page' });
    expect(routeDashboard('GET', '/assets/index-7VOmIhRN.js')).toEqual({ kind: 'asset', name: 'index-7VOmIhRN.js' });
    for (const p of ['/graphql', '/graphiql/assets/x.js', '/health', '/live', '/metrics', '/workflows/a/b', '/favicon.ico']) expect(routeDashboard('GET', p)).toBeUndefined();
  });

  it('never lets an asset name walk a path', () => {
    for (const p of ['/assets/../package.json', '/assets/a/b.js', '/assets/.env', '/assets/', '/assets/%2e%2e'])
      expect(routeDashboard('GET', p)).toEqual({ kind: 'asset', name: '' });
  });

  it('answers other methods with 405', () => {
    expect(routeDashboard('POST', '/')).toEqual({ kind: 'method' });
    expect(routeDashboard('DELETE', '/assets/a.js')).toEqual({ kind: 'method' });
  });
});

describe('useDashboard serving a build', () => {
  const logger = createLogger('silent');
  let dir: string;
  let yoga: ReturnType<typeof createYoga>;
  const js = 'console.log("baton dashboard");'.repeat(50);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), js);
    writeFileSync(join(dir, 'secret.txt'), 'not served');
    yoga = createYoga({ schema: undefined, landingPage: false, plugins: [useDashboard({ dist: dir, logger })], logging: false });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html at `/` and at client routes, never cached, with a strict CSP', async () => {
    for (const path of ['/', '/workflows/Workflow:1234']) {
      const res = await yoga.fetch(`http://baton.test${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('/assets/index-abc123.js');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect(DASHBOARD_CSP).toContain("script-src 'self'");
    }
  });

  it('serves content-hashed assets cached for a year, gzipped when asked', async () => {
    const plain = await yoga.fetch('http://baton.test/assets/index-abc123.js');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await plain.text()).toBe(js);
    const gz = await yoga.fetch('http://baton.test/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(js);
  });

  it('answers 404 for any other name, including ones that try to leave assets/', async () => {
    for (const path of ['/assets/nope.js', '/assets/..%2fsecret.txt', '/assets/%2e%2e%2fsecret.txt']) {
      const res = await yoga.fetch(`http://baton.test${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('not served');
    }
  });

  it('answers 405 for POST to the page', async () => {
    const res = await yoga.fetch('http://baton.test/', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(405);
  });
});

describe('useDashboard before the build', () => {
  it('answers `/` with a short page saying how to build it', async () => {
    const yoga = createYoga({ landingPage: false, plugins: [useDashboard({ dist: join(tmpdir(), 'baton-no-such-dist'), logger: createLogger('silent') })], logging: false });
    const res = await yoga.fetch('http://baton.test/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:web');
  });
});

describe('Baton serves the dashboard beside GraphQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('`/` is the dashboard (or how to build it) with no key; /graphql still needs one', async () => {
    const page = await t.app.fetch('http://baton.test/', { headers: { accept: 'text/html' } });
    expect([200, 503]).toContain(page.status);
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    const anonymous = await t.app.fetch('http://baton.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(anonymous.status).toBe(401);
    const keyed = await t.fetch('http://baton.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(await keyed.json()).toEqual({ data: { me: { role: 'ADMIN' } } });
  });
});
