import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { acceptsGzip } from './graphiql-assets.ts';

const gzip = promisify(gzipCallback);

/** web/dist, built by `npm run build:web` (vite build --config web/vite.config.ts). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * The dashboard's page: only its own scripts and styles, and connections to its own host
 * (ws:/wss: besides 'self' because some browsers do not count a WebSocket to the page's host as 'self').
 * Inline styles stay allowed: React Flow positions nodes with style attributes.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export type DashboardRoute = { kind: 'page' } | { kind: 'asset'; name: string } | { kind: 'method' };

/** A file name vite writes under assets/: no slash, no leading dot, nothing that walks a path. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * What a request to the dashboard is, or undefined when the path is not the dashboard's (GraphQL,
 * GraphiQL, /health…). Pages: `/` and the client routes `/workflows` and `/workflows/<id>`. Pure.
 */
export function routeDashboard(method: string, pathname: string): DashboardRoute | undefined {
  let route: DashboardRoute | undefined;
  if (pathname === '/' || pathname === '/index.html' || /^\/workflows(?:\/[^/]+)?\/?$/.test(pathname)) route = { kind: 'page' };
  else if (pathname.startsWith('/assets/')) {
    const name = pathname.slice('/assets/'.length);
    // Any other name (a slash, `..`, a leading dot) is an asset that does not exist: 404.
    route = { kind: 'asset', name: ASSET_NAME.test(name) ? name : '' };
  }
  if (route && method !== 'GET' && method !== 'HEAD') return { kind: 'method' };
  return route;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};
const typeOf = (name: string) => TYPES[/\.[a-z0-9]+$/i.exec(name)?.[0]?.toLowerCase() ?? ''] ?? 'application/octet-stream';

interface Built {
  /** index.html's mtime: a rebuild while Baton runs is read again. */
  stamp: number;
  index: Buffer;
  /** assets/ file names, read once: a request can only name one of these. */
  assets: Map<string, { type: string; body: Buffer; gz?: Promise<Buffer> }>;
}

/** Reads web/dist into memory (a few MB); undefined while it is not built. */
function readBuilt(dist: string): Built | undefined {
  const indexPath = join(dist, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const assets = new Map<string, { type: string; body: Buffer }>();
  const dir = join(dist, 'assets');
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && ASSET_NAME.test(entry.name)) assets.set(entry.name, { type: typeOf(entry.name), body: readFileSync(join(dir, entry.name)) });
    }
  }
  return { stamp: statSync(indexPath).mtimeMs, index: readFileSync(indexPath), assets };
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Baton</title>
<h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (npm install runs it too), then reload. GraphQL and GraphiQL are at <a href="/graphql">/graphql</a>.</p>
`;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // index.html names the current content-hashed bundle: revalidate it, so a rebuild is picked up at once.
  'cache-control': 'no-cache',
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the dashboard (web/dist) at `/`, its client routes, and `/assets/<content-hashed name>`
 * (cached for a year). No part of a URL becomes a file path: assets are looked up by name in what
 * was read from disk. Before the build exists, `/` says how to build it (and it is looked for again
 * on each page request, so a build while Baton runs is picked up).
 */
export function useDashboard(o: { dist?: string; logger: Logger }): Plugin {
  const dist = o.dist ?? DASHBOARD_DIST;
  let built: Built | undefined;
  /** The build in memory, read again when index.html changed (asked on page requests only: assets use what the page named). */
  const load = (page: boolean): Built | undefined => {
    if (built && !page) return built;
    try {
      if (built && statSync(join(dist, 'index.html')).mtimeMs === built.stamp) return built;
      built = readBuilt(dist);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (built = undefined);
      o.logger.error({ err }, 'cannot read the dashboard build (web/dist)');
    }
    return built;
  };
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      const route = routeDashboard(request.method, url.pathname);
      if (!route) return;
      const R = fetchAPI.Response;
      const head = request.method === 'HEAD';
      if (route.kind === 'method') return endResponse(new R(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
      const b = load(route.kind === 'page');
      if (route.kind === 'page') {
        if (!b) return endResponse(new R(head ? null : NOT_BUILT, { status: 503, headers: PAGE_HEADERS }));
        return endResponse(new R(head ? null : new Uint8Array(b.index), { status: 200, headers: PAGE_HEADERS }));
      }
      const asset = b?.assets.get(route.name);
      if (!asset) return endResponse(new R('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
      const gz = acceptsGzip(request.headers.get('accept-encoding'));
      if (gz && !asset.gz) {
        asset.gz = gzip(asset.body);
        asset.gz.catch(() => (asset.gz = undefined));
      }
      const body = gz ? await asset.gz! : asset.body;
      const headers: Record<string, string> = {
        'content-type': asset.type,
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        vary: 'accept-encoding',
        'content-length': String(body.length),
      };
      if (gz) headers['content-encoding'] = 'gzip';
      endResponse(new R(head ? null : new Uint8Array(body), { status: 200, headers }));
    },
  };
}
