import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

export const METRICS_PATH = '/metrics';

/** What the HTTP layer needs of the metrics. */
export type MetricsSource = Pick<Metrics, 'contentType' | 'render' | 'subscriptions'>;

/**
 * `GET /metrics` on the API port, protected like the API: the request goes through the same
 * principal hook as GraphQL, and a request it refuses gets 401 with no body worth scraping.
 */
export function useMetricsEndpoint(metrics: MetricsSource, resolvePrincipal: (request: Request) => Promise<unknown>, logger: Logger): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== METRICS_PATH) return;
      if (request.method !== 'GET') {
        endResponse(new fetchAPI.Response('only GET', { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      try {
        await resolvePrincipal(request);
      } catch {
        endResponse(new fetchAPI.Response('unauthenticated', { status: 401, headers: { 'content-type': 'text/plain' } }));
        return;
      }
      endResponse(await renderResponse(metrics, logger, (body, status, type) => new fetchAPI.Response(body, { status, headers: { 'content-type': type } })));
    },
  };
}

/** Counts open GraphQL subscriptions (graphql-ws and SSE alike: both subscribe through envelop). */
export function useSubscriptionGauge(metrics: MetricsSource): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if (!result || typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return;
          metrics.subscriptions.inc();
          return { onEnd: () => metrics.subscriptions.dec() };
        },
      };
    },
  };
}

async function renderResponse<R>(metrics: MetricsSource, logger: Logger, respond: (body: string, status: number, type: string) => R): Promise<R> {
  try {
    return respond(await metrics.render(), 200, metrics.contentType);
  } catch (err) {
    logger.warn({ err: String(err) }, 'could not render metrics');
    return respond('metrics unavailable', 500, 'text/plain');
  }
}

/**
 * A listener of its own for `GET /metrics` (METRICS_PORT), for worker processes, which serve no
 * HTTP otherwise. No authentication: bind it (HOST) where only the scraper reaches it.
 */
export async function startMetricsServer(metrics: MetricsSource, port: number, host: string, logger: Logger) {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('only GET');
      return;
    }
    void renderResponse(metrics, logger, (body, status, type) => res.writeHead(status, { 'content-type': type }).end(req.method === 'HEAD' ? undefined : body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}${METRICS_PATH}`,
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
