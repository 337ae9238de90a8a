import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHttpServer } from '../../src/server/http-server.ts';
import { startTestApp, type TestApp, withKey } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const ALLOWED = 'https://app.example.com';
const FOREIGN = 'https://evil.example';
const CREATE = `mutation { createWorkflow(input: { description: "csrf", tasks: [{ key: "a", agent: "@backend", description: "x", dependsOn: [] }] }) { id } }`;

describe.runIf(runs)(`browser safety: body types and CORS on ${testDialect}`, () => {
  let t: TestApp;
  let server: ReturnType<typeof createHttpServer>;
  let url: string;

  const send = (init: RequestInit & { headers?: Record<string, string> }, path = '/graphql') => server.fetch(`http://baton.test${path}`, withKey(init, t.key));
  const workflowCount = async () => {
    const res = await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ workflows(first: 100) { edges { cursor } } }' }) });
    return ((await res.json()) as { data: { workflows: { edges: unknown[] } } }).data.workflows.edges.length;
  };

  beforeAll(async () => {
    t = await startTestApp();
    server = createHttpServer({ ...t.app.services, config: { ...t.app.services.config, corsOrigins: [ALLOWED] } }, t.app.httpAuth);
    url = (await server.start(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await server?.stop();
    await t?.close();
  });

  it('refuses a form-urlencoded mutation from a foreign origin with 415 UNSUPPORTED_MEDIA_TYPE, and writes nothing', async () => {
    const before = await workflowCount();
    const res = await send({
      method: 'POST',
      headers: { origin: FOREIGN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: CREATE }).toString(),
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await workflowCount()).toBe(before);
  });

  it('refuses multipart, text/plain, application/graphql(-response+json) and a missing content type; accepts JSON (with a charset too)', async () => {
    const before = await workflowCount();
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: CREATE }));
    form.set('map', '{}');
    const refused = [
      await send({ method: 'POST', body: form }),
      await send({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: CREATE }) }),
      await send({ method: 'POST', headers: { 'content-type': 'application/graphql' }, body: CREATE }),
      await send({ method: 'POST', headers: { 'content-type': 'application/graphql-response+json' }, body: JSON.stringify({ query: CREATE }) }),
      await send({ method: 'POST', body: new Blob([JSON.stringify({ query: CREATE })]) }),
    ];
    expect(refused.map((r) => r.status)).toEqual([415, 415, 415, 415, 415]);
    for (const r of refused) expect(((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await workflowCount()).toBe(before);
    for (const type of ['application/json; charset=utf-8', 'application/graphql+json']) {
      const ok = await send({ method: 'POST', headers: { 'content-type': type, accept: 'application/json' }, body: JSON.stringify({ query: CREATE }) });
      expect(ok.status).toBe(200);
    }
    expect(await workflowCount()).toBe(before + 2);
  });

  it('never runs a mutation sent with GET', async () => {
    const before = await workflowCount();
    const res = await send({ method: 'GET', headers: { origin: FOREIGN } }, `/graphql?query=${encodeURIComponent(CREATE)}`);
    expect(res.status).toBe(405);
    expect(await workflowCount()).toBe(before);
  });

  it('CORS: an allowed origin gets exactly itself back; a foreign one gets no CORS headers, preflight included', async () => {
    const query = JSON.stringify({ query: '{ health { ok } }' });
    const post = (origin: string) => send({ method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: query });
    const preflight = (origin: string) =>
      send({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });

    for (const res of [await post(FOREIGN), await preflight(FOREIGN)]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect([...res.headers.values()].join(' ')).not.toContain('evil.example');
    }
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const answered = await post(ALLOWED);
    expect(answered.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(answered.headers.get('vary')).toMatch(/origin/i);
  });

  it('CORS: with no CORS_ORIGINS (the default) no origin is ever echoed', async () => {
    const closed = createHttpServer(t.app.services, t.app.httpAuth);
    try {
      expect(t.app.services.config.corsOrigins).toEqual([]);
      for (const origin of [ALLOWED, FOREIGN, 'null']) {
        const res = await closed.fetch('http://baton.test/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      await closed.stop();
    }
  });

  it('WebSocket upgrades: a foreign Origin is refused; no Origin, an allowed one, or Baton’s own page are accepted', async () => {
    const wsUrl = url.replace(/^http/, 'ws');
    const host = new URL(url).host;
    const attempt = (origin?: string) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(wsUrl, 'graphql-transport-ws', origin ? { origin } : {});
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', () => {});
      });
    expect(await attempt(FOREIGN)).toBe(403);
    expect(await attempt(`http://localhost:1${host.split(':')[1]}`)).toBe(403);
    expect(await attempt()).toBe('open');
    expect(await attempt(ALLOWED)).toBe('open');
    expect(await attempt(`http://${host}`)).toBe('open');
  });
});
