/**
 * The GraphiQL page: HTML that references only Baton's own URLs, and the
 * script that starts yoga's GraphiQL bundle in it. The page holds no inline
 * script (its options travel as a JSON data block), so a strict
 * Content-Security-Policy keeps any other script and any other host out.
 */

/** What the page needs to know: its asset URLs and how GraphiQL opens. */
export interface GraphiqlPageOptions {
  urls: { css: string; bundle: string; start: string; workers: Record<string, string> };
  /** The document GraphiQL opens on, and the one every new tab starts with. */
  defaultQuery: string;
}

/**
 * Served with the page. Monaco's `connect-src` needs ws:/wss: besides 'self'
 * because some browsers do not count a WebSocket to the page's own host as 'self'.
 */
export const GRAPHIQL_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** JSON that is safe inside a <script> element: no `<` can close it or open a comment. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderGraphiqlPage(o: GraphiqlPageOptions): string {
  const config = { workers: o.urls.workers, defaultQuery: o.defaultQuery };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(o.urls.css)}">
<script type="application/json" id="baton-graphiql-config">${jsonForScript(config)}</script>
<script defer src="${escapeHtml(o.urls.bundle)}"></script>
<script defer src="${escapeHtml(o.urls.start)}"></script>
</head>
<body class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root">Loading GraphiQL…</div>
</body>
</html>
`;
}

/**
 * Starts GraphiQL (runs in the browser, after yoga's bundle). Choices:
 * - Monaco's workers load from Baton's URLs (yoga's own page fetches them from a CDN).
 * - It opens on Baton's example (or the document in `?query=`, which GraphiQL keeps in
 *   the URL as it is edited): yoga otherwise opens on its welcome comment, which
 *   holds no operation, so Run fails with "Unexpected <EOF>".
 * - The headers editor also feeds graphql-ws: subscriptions run over a WebSocket, which
 *   cannot carry HTTP headers, so each header (lower-cased name) is sent as a
 *   connectionParams entry when the socket opens: `{"Authorization": "Bearer …"}`
 *   becomes `connectionParams.authorization`. Queries and mutations send them as headers.
 * - Headers (API keys) are not persisted in the browser's storage.
 */
export const GRAPHIQL_START_JS = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('baton-graphiql-config').textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return config.workers[label] || config.workers.editorWorkerService;
    }
  };
  var headersText = '';
  function headersAsConnectionParams() {
    var parsed;
    try { parsed = JSON.parse(headersText || '{}'); } catch (e) { return {}; }
    var params = {};
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return params;
    Object.keys(parsed).forEach(function (name) {
      if (typeof parsed[name] === 'string') params[name.toLowerCase()] = parsed[name];
    });
    return params;
  }
  var fromUrl = new URLSearchParams(location.search).get('query');
  var root = document.getElementById('root');
  root.textContent = '';
  YogaGraphiQL.renderYogaGraphiQL(root, {
    title: 'Baton',
    query: fromUrl || config.defaultQuery,
    defaultQuery: config.defaultQuery,
    subscriptionsProtocol: 'WS',
    shouldPersistHeaders: false,
    initialHeaders: '',
    onEditHeaders: function (text) { headersText = text; },
    connectionParams: headersAsConnectionParams
  });
})();
`;
