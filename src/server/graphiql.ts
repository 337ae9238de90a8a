import { shouldRenderGraphiQL, type Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { createGraphiqlAssets } from './graphiql-assets.ts';
import { GRAPHIQL_PAGE_CSP, GRAPHIQL_START_JS, renderGraphiqlPage } from './graphiql-page.ts';
import { useNoIntrospection } from './introspection.ts';

export interface GraphiqlOptions {
  /** config.graphiql: GraphiQL and introspection, both on or both off. */
  enabled: boolean;
  /** The GraphQL endpoint the page is served on (and sends operations to). */
  endpoint: string;
  /** The document GraphiQL opens on. */
  defaultQuery: string;
  logger: Logger;
}

const WORKERS = {
  editorWorkerService: 'monacoeditorwork/editor.worker.bundle.js',
  json: 'monacoeditorwork/json.worker.bundle.js',
  graphql: 'monacoeditorwork/graphql.worker..bundle.js',
};

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // The page names the current asset tag: revalidate it, so an upgrade is picked up at once.
  'cache-control': 'no-cache',
  'content-security-policy': GRAPHIQL_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * GraphiQL served by Baton itself, with no CDN: a GET of the endpoint that
 * accepts text/html gets the page, and its scripts, styles and Monaco workers
 * come from the installed @graphql-yoga/graphiql under /graphiql/assets/.
 * Disabled, it serves neither and introspection is refused.
 * Returns yoga's `graphiql` option (yoga's own page, which loads from unpkg,
 * stays off either way) and the plugins to add.
 */
export function createGraphiql(o: GraphiqlOptions): { graphiql: false; plugins: Plugin[] } {
  if (!o.enabled) return { graphiql: false, plugins: [useNoIntrospection()] };
  const log = o.logger.child({ component: 'graphiql' });
  const assets = createGraphiqlAssets({ 'baton-graphiql.js': ['text/javascript; charset=utf-8', GRAPHIQL_START_JS] }, (err) =>
    log.error({ err }, 'cannot read a GraphiQL asset from @graphql-yoga/graphiql'),
  );
  const page = renderGraphiqlPage({
    defaultQuery: o.defaultQuery,
    urls: {
      css: assets.url('graphiql.css'),
      bundle: assets.url('yoga-graphiql.umd.js'),
      start: assets.url('baton-graphiql.js'),
      workers: Object.fromEntries(Object.entries(WORKERS).map(([label, name]) => [label, assets.url(name)])),
    },
  });
  const plugin: Plugin = {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname === o.endpoint && shouldRenderGraphiQL(request)) {
        endResponse(new fetchAPI.Response(page, { status: 200, headers: PAGE_HEADERS }));
        return;
      }
      const served = assets.respond(request, url.pathname, fetchAPI.Response);
      if (served) return served.then(endResponse);
    },
  };
  return { graphiql: false, plugins: [plugin] };
}
