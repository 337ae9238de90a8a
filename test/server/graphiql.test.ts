import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_OPERATION } from '../../src/server/example-operation.ts';
import { acceptsGzip } from '../../src/server/graphiql-assets.ts';
import { GRAPHIQL_START_JS, renderGraphiqlPage } from '../../src/server/graphiql-page.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { parse } from 'graphql/index.js';
import { sseSubscribe, wsClient } from '../graphql/transport-clients.ts';

const DIST = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** The URLs a page references: src/href attributes and the strings of its config block. */
function referencedUrls(html: string): string[] {
  const attrs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
  const config = JSON.parse(/<script type="application\/json" id="baton-graphiql-config">(.*?)<\/script>/s.exec(html)![1]!) as { workers: Record<string, string> };
  return [...attrs, ...Object.values(config.workers)];
}

async function post(fetch: TestApp['fetch'], query: string) {
  const res = await fetch('http://baton.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

let pageOfOn = '';

describe('GRAPHIQL=on: the page and its files come from Baton', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHIQL: 'on' });
  });
  afterAll(async () => t?.close());

  it('GET /graphql as a browser gets the page: local URLs only, no CDN or other host, a strict CSP', async () => {
    const res = await t.app.fetch('http://baton.test/graphql', { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const html = await res.text();
    pageOfOn = html;
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn|https?:|\/\/[a-z0-9]/i);
    expect(html).not.toContain('__TITLE__');
    expect(html).not.toMatch(/<script(?![^>]*\b(src=|type="application\/json"))/); // no inline script
    const urls = referencedUrls(html);
    expect(urls.length).toBe(7); // icon (data:), stylesheet, bundle, start script, 3 Monaco workers
    for (const u of urls) expect(u === 'data:,' || u.startsWith('/graphiql/assets/')).toBe(true);
  });

  it("the page opens on Baton's example operations", () => {
    const config = JSON.parse(/id="baton-graphiql-config">(.*?)<\/script>/s.exec(pageOfOn)![1]!) as { defaultQuery: string };
    expect(config.defaultQuery).toBe(EXAMPLE_OPERATION);
    expect(config.defaultQuery).toMatch(/mutation Plan[\s\S]*query Workflow[\s\S]*query Recent/);
  });

  it('every referenced file is served with its content type and a year-long immutable cache, gzipped when asked', async () => {
    const files = referencedUrls(pageOfOn).filter((u) => u.startsWith('/'));
    expect(files.map((u) => u.split('/').slice(4).join('/')).sort()).toEqual([
      'baton-graphiql.js',
      'graphiql.css',
      'monacoeditorwork/editor.worker.bundle.js',
      'monacoeditorwork/graphql.worker..bundle.js',
      'monacoeditorwork/json.worker.bundle.js',
      'yoga-graphiql.umd.js',
    ]);
    for (const u of files) {
      const name = u.split('/').slice(4).join('/');
      const expected = name === 'baton-graphiql.js' ? Buffer.from(GRAPHIQL_START_JS) : readFileSync(join(DIST, name));
      const plain = await t.app.fetch(`http://baton.test${u}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.status, u).toBe(200);
      expect(plain.headers.get('content-type')).toBe(name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(Buffer.from(await plain.arrayBuffer()).equals(expected), u).toBe(true);
      const gz = await t.app.fetch(`http://baton.test${u}`, { headers: { 'accept-encoding': 'gzip, deflate' } });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(expected), u).toBe(true);
    }
  });

  it('serves nothing else: unknown names, other tags, traversal and non-GET methods are refused', async () => {
    const css = referencedUrls(pageOfOn).find((u) => u.endsWith('graphiql.css'))!;
    const base = css.slice(0, -'graphiql.css'.length);
    for (const path of [
      `${base}yoga-graphiql.es.js`,
      `${base}package.json`,
      `${base}%2e%2e/package.json`,
      `${base}..%2fpackage.json`,
      `${base}monacoeditorwork/`,
      `${base}graphiql.css/`,
      '/graphiql/assets/0.0.0-0000000000/graphiql.css',
      '/graphiql/assets/graphiql.css',
    ]) {
      const res = await t.app.fetch(`http://baton.test${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('{');
    }
    expect((await t.app.fetch(`http://baton.test${css}`, { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await t.app.fetch(`http://baton.test${css}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('introspection answers', async () => {
    const r = await post(t.fetch, '{ __schema { queryType { name } } }');
    expect(r).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('GRAPHIQL=off: no GraphiQL, no introspection', () => {
  let t: TestApp;
  let server: ReturnType<typeof createHttpServer>;
  let url: string;
  const clients: ReturnType<typeof wsClient>[] = [];
  beforeAll(async () => {
    t = await startTestApp({ GRAPHIQL: 'off' });
    // A listener of our own on the app's services (and its auth): startTestApp does not tell its URL.
    server = createHttpServer(t.app.services, t.app.httpAuth);
    url = (await server.start(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.stop();
    await t?.close();
  });

  it("GET /graphql as a browser gets no page, and GraphiQL's files are not served", async () => {
    const res = await t.app.fetch('http://baton.test/graphql', { headers: HTML });
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
    const body = await res.text();
    expect(body).not.toMatch(/<html|graphiql/i);
    const files = referencedUrls(pageOfOn).filter((u) => u.startsWith('/'));
    expect(files.length).toBeGreaterThan(0);
    for (const u of files) expect((await t.app.fetch(`http://baton.test${u}`)).status, u).toBe(404);
  });

  it('over HTTP: __schema and __type are refused with INTROSPECTION_DISABLED; __typename and ordinary queries still answer', async () => {
    for (const q of [
      '{ __schema { queryType { name } } }',
      '{ __type(name: "Workflow") { name } }',
      '{ workflows(first: 1) { __typename edges { node { id } } } __schema { types { name } } }',
    ]) {
      const r = await post(t.fetch, q);
      expect(r.data, q).toBeUndefined();
      expect(r.errors?.[0]?.extensions?.code, q).toBe('INTROSPECTION_DISABLED');
      expect(r.errors?.[0]?.message).toContain('introspection is turned off');
    }
    expect(await post(t.fetch, '{ __typename workflows(first: 1) { edges { node { id } } } }')).toEqual({ data: { __typename: 'Query', workflows: { edges: [] } } });
  });

  it('over SSE: introspection is refused with INTROSPECTION_DISABLED', async () => {
    const results = [];
    for await (const r of sseSubscribe(url, parse('{ __schema { queryType { name } } }'), {}, undefined, t.key)) results.push(r);
    expect(results).toHaveLength(1);
    expect(results[0]!.data ?? undefined).toBeUndefined();
    expect(results[0]!.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
  });

  it('over graphql-ws: introspection is refused with INTROSPECTION_DISABLED', async () => {
    const client = wsClient(url, t.key);
    clients.push(client);
    const errors = await new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        { query: '{ __schema { queryType { name } } }' },
        { next: (v) => reject(new Error(`answered: ${JSON.stringify(v)}`)), error: resolve, complete: () => reject(new Error('completed without an error')) },
      );
    });
    expect(Array.isArray(errors)).toBe(true);
    expect((errors as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
  });
});

describe('pure parts', () => {
  it('acceptsGzip reads Accept-Encoding, q=0 included', () => {
    expect(acceptsGzip(null)).toBe(false);
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.8')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('GZIP')).toBe(true);
  });

  it('a default document cannot close the config block or inject markup', () => {
    const html = renderGraphiqlPage({ defaultQuery: '# </script><script>alert(1)</script>\n{ a }', urls: { css: '/c"x', bundle: '/b', start: '/s', workers: {} } });
    expect(html.match(/<\/script>/g)).toHaveLength(3); // the config block and the two script tags, nothing more
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('href="/c&#34;x"');
    const config = JSON.parse(/id="baton-graphiql-config">(.*?)<\/script>/s.exec(html)![1]!) as { defaultQuery: string };
    expect(config.defaultQuery).toBe('# </script><script>alert(1)</script>\n{ a }');
  });
});
