import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { BatonError } from '../errors.ts';

const gzip = promisify(gzipCallback);

/** Where GraphiQL's files are served; each file's URL also carries a tag that changes with its content. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets/';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The only files of @graphql-yoga/graphiql's dist directory that are served, by the name in their URL.
 * A request names one of these keys or gets a 404: no part of a URL ever becomes a file path.
 */
const YOGA_FILES: Record<string, string> = {
  'yoga-graphiql.umd.js': JS,
  'graphiql.css': CSS,
  'monacoeditorwork/editor.worker.bundle.js': JS,
  'monacoeditorwork/json.worker.bundle.js': JS,
  'monacoeditorwork/graphql.worker..bundle.js': JS,
};

/** The installed package is missing or incomplete (an install problem, not a request problem). */
export class GraphiqlUnavailableError extends BatonError {
  constructor(detail: string) {
    super('GRAPHIQL_UNAVAILABLE', `GraphiQL's bundle (@graphql-yoga/graphiql) is not usable: ${detail}; run npm ci, or set GRAPHIQL=off`);
  }
}

interface Asset {
  contentType: string;
  /** Reads the file each time: the bundles are large and rarely fetched (browsers cache them for a year). */
  read(): Promise<Buffer>;
}

export interface GraphiqlAssets {
  /** URL path of each servable file, by its name (e.g. `graphiql.css`). */
  url(name: string): string;
  /** The response to a request under GRAPHIQL_ASSETS_PATH (built with yoga's Response), or undefined when the path is elsewhere. */
  respond(request: Request, pathname: string, R: typeof Response): Promise<Response> | undefined;
}

/**
 * The installed @graphql-yoga/graphiql: its dist directory and version, found the way Node resolves
 * the package. Throws GraphiqlUnavailableError when it is missing or lacks a file Baton serves.
 */
export function locateYogaGraphiql(): { dist: string; version: string } {
  let pkgPath: string;
  let version: string;
  try {
    pkgPath = createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json');
    version = String((JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: unknown }).version);
  } catch {
    throw new GraphiqlUnavailableError('the package is not installed');
  }
  const dist = join(dirname(pkgPath), 'dist');
  const missing = Object.keys(YOGA_FILES).find((name) => !existsSync(join(dist, name)));
  if (missing) throw new GraphiqlUnavailableError(`dist/${missing} is missing from version ${version}`);
  return { dist, version };
}

/** Whether an Accept-Encoding header admits gzip (`gzip;q=0` refuses it; `*` admits it). */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (token === 'gzip') return accepted;
    if (token === '*') star = accepted;
  }
  return star;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves yoga's GraphiQL bundle from the installed package, plus `extra` files
 * of Baton's own (name → [content type, text]), under
 * `/graphiql/assets/<tag>/<name>`. The tag is derived from the package version
 * and the extra files, so cached copies are never stale after an upgrade.
 * Gzipped bodies are computed once per file (off the event loop) and kept.
 */
export function createGraphiqlAssets(extra: Record<string, [contentType: string, text: string]>, onReadError: (err: unknown) => void): GraphiqlAssets {
  const { dist, version } = locateYogaGraphiql();
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of Object.entries(YOGA_FILES)) {
    assets.set(name, { contentType, read: () => readFile(join(dist, name)) });
  }
  const hash = createHash('sha256').update(version);
  for (const [name, [contentType, text]] of Object.entries(extra)) {
    const body = Buffer.from(text, 'utf8');
    assets.set(name, { contentType, read: async () => body });
    hash.update(name).update(body);
  }
  const tag = `${version.replace(/[^\w.+-]/g, '_')}-${hash.digest('hex').slice(0, 10)}`;
  const base = `${GRAPHIQL_ASSETS_PATH}${tag}/`;
  const gzipped = new Map<string, Promise<Buffer>>();

  const compressed = (name: string, asset: Asset): Promise<Buffer> => {
    let p = gzipped.get(name);
    if (!p) {
      p = asset.read().then((raw) => gzip(raw));
      gzipped.set(name, p);
      // A failed read is retried by the next request, not remembered.
      p.catch(() => gzipped.delete(name));
    }
    return p;
  };

  return {
    url(name) {
      if (!assets.has(name)) throw new Error(`no GraphiQL asset named ${name}`);
      return base + name;
    },
    respond(request, pathname, R) {
      if (!pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return undefined;
      const asset = pathname.startsWith(base) ? assets.get(pathname.slice(base.length)) : undefined;
      if (!asset) return Promise.resolve(new R('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return Promise.resolve(new R(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
      }
      const gz = acceptsGzip(request.headers.get('accept-encoding'));
      const name = pathname.slice(base.length);
      return (gz ? compressed(name, asset) : asset.read()).then(
        (body) => {
          const headers: Record<string, string> = {
            'content-type': asset.contentType,
            'cache-control': IMMUTABLE,
            'x-content-type-options': 'nosniff',
            vary: 'accept-encoding',
            'content-length': String(body.length),
          };
          if (gz) headers['content-encoding'] = 'gzip';
          return new R(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
        },
        (err) => {
          onReadError(err);
          return new R('GraphiQL asset unavailable: reinstall dependencies (npm ci)\n', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
        },
      );
    },
  };
}
