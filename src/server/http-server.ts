import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type Plugin } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { useAuthentication, useRevocationWatch, useRoles } from '../auth/plugins.ts';
import { LOCAL_ADMIN, type Principal } from '../auth/principal.ts';
import type { WatchRevocation } from '../auth/revocation-watch.ts';
import { type Context, buildSchema, createContext } from '../schema/index.ts';
import { type MetricsSource, useMetricsEndpoint, useSubscriptionGauge } from '../observability/metrics-endpoint.ts';
import type { Services } from '../services/types.ts';
import { useArtifactsZip } from './artifacts-zip.ts';
import { createMaskError, yogaLogger } from './errors.ts';
import { EXAMPLE_OPERATION } from './example-operation.ts';
import { useDashboard } from './dashboard.ts';
import { createGraphiql } from './graphiql.ts';
import { useGraphqlWs } from './graphql-ws.ts';
import { createHardening } from './hardening.ts';
import { useSharedExecution } from './shared-execution.ts';
import { useStorableTextGuard } from './text-guard.ts';

export interface HttpServerOptions {
  /**
   * Who sends a request (HTTP and SSE). Throws a BatonError (UNAUTHENTICATED) for a missing or bad key.
   * Default: every request acts as LOCAL_ADMIN.
   */
  resolvePrincipal?: (request: Request) => Promise<Principal>;
  /**
   * Watches a key while a graphql-ws socket or a subscription uses it: once revoked, the socket
   * closes with 4403 and the subscriptions end. None with AUTH=off.
   */
  watchRevocation?: WatchRevocation;
  /** The operation GraphiQL opens on. */
  graphiqlDefaultQuery?: string;
  /** Operations one graphql-ws connection may hold at once (default 100). */
  maxSubscriptionsPerConnection?: number;
  /** Served as `GET /metrics` to whoever resolvePrincipal accepts (401 otherwise); absent: no endpoint. */
  metrics?: MetricsSource;
}

export const GRAPHQL_PATH = '/graphql';

/** `GET /health`: readiness for load balancers, 503 when the database (or a configured Redis) is unreachable. */
function useHealthEndpoint(services: Services): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const h = await services.health().catch(() => ({ database: false, redis: null }));
      const ok = h.database && h.redis !== false;
      endResponse(fetchAPI.Response.json({ ok, database: h.database, redis: h.redis }, { status: ok ? 200 : 503 }));
    },
  };
}

/**
 * GraphQL over HTTP and SSE (yoga) and graphql-ws, on one port and path.
 * `fetch` serves requests without a socket (tests); `start` listens.
 */
export function createHttpServer(services: Services, opts: HttpServerOptions = {}) {
  const maxSubscriptions = opts.maxSubscriptionsPerConnection ?? 100;
  let stopping = new AbortController();
  const resolvePrincipal = opts.resolvePrincipal ?? (async () => LOCAL_ADMIN);
  const graphiql = createGraphiql({
    enabled: services.config.graphiql,
    endpoint: GRAPHQL_PATH,
    defaultQuery: opts.graphiqlDefaultQuery ?? EXAMPLE_OPERATION,
    logger: services.logger,
  });
  const hardening = createHardening(services.config, services.logger);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: GRAPHQL_PATH,
    // yoga's own check answers 200 with no body: liveness. /health (below) is readiness.
    healthCheckEndpoint: '/live',
    landingPage: false,
    // HTTP and SSE: the principal useAuthentication resolved; graphql-ws: the connection's.
    context: async (initial) => {
      const { principal, request } = initial as { principal?: Principal; request?: Request };
      return createContext(services, stopping.signal, principal ?? (await resolvePrincipal(request!)));
    },
    maskedErrors: { maskError: createMaskError(services.logger) },
    logging: yogaLogger(services.logger),
    // Baton serves GraphiQL itself (./graphiql.ts): yoga's page loads its scripts from a CDN.
    graphiql: graphiql.graphiql,
    cors: hardening.cors,
    plugins: [
      useHealthEndpoint(services),
      // GraphiQL's page and files first: they answer their own paths (405 for other methods) and run nothing.
      ...graphiql.plugins,
      // The dashboard's page and bundle (web/dist): public files, like GraphiQL's; its data comes through GraphQL.
      useDashboard({ logger: services.logger }),
      ...hardening.plugins,
      useArtifactsZip(services, resolvePrincipal),
      useAuthentication(resolvePrincipal),
      useRoles(),
      useStorableTextGuard(),
      // Last: the subscribe function it sets runs after every other plugin's onSubscribe has seen the operation.
      useSharedExecution((c) => {
        const p = (c as Partial<Context> | undefined)?.principal;
        return p ? `${p.tenant}\u0000${p.role}` : undefined;
      }),
      ...(opts.watchRevocation ? [useRevocationWatch(opts.watchRevocation)] : []),
      ...(opts.metrics ? [useMetricsEndpoint(opts.metrics, resolvePrincipal, services.logger), useSubscriptionGauge(opts.metrics)] : []),
    ],
  });

  let server: Server | undefined;
  let ws: ReturnType<typeof useGraphqlWs> | undefined;

  return {
    yoga,
    fetch: yoga.fetch,

    async start(port: number, host = '0.0.0.0'): Promise<{ url: string; port: number }> {
      if (server) throw new Error('the HTTP server is already started');
      if (stopping.signal.aborted) stopping = new AbortController();
      await hardening.ready();
      const http = createServer(yoga);
      server = http;
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      // Attached once listening: a WebSocket server on a port that failed would print the error too.
      ws = useGraphqlWs(yoga, new WebSocketServer({ server: http, path: GRAPHQL_PATH, verifyClient: hardening.verifyClient }), {
        maxSubscriptions,
        resolvePrincipal,
        watchRevocation: opts.watchRevocation,
        logger: services.logger,
      });
      const bound = (http.address() as AddressInfo).port;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      return { url: `http://${shown}:${bound}${GRAPHQL_PATH}`, port: bound };
    },

    /**
     * Completes every open subscription (SSE responses end with a `complete`
     * event), closes every graphql-ws socket with 1001 (going away), then the
     * HTTP server. Connections still open after `graceMs` are destroyed.
     */
    async stop(graceMs = 2000): Promise<void> {
      const http = server;
      server = undefined;
      await hardening.close();
      if (!http) return;
      stopping.abort();
      await ws?.dispose();
      ws = undefined;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
    },
  };
}

export type HttpServer = ReturnType<typeof createHttpServer>;
