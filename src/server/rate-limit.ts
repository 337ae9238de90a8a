import { createHash } from 'node:crypto';
import type { DocumentNode, SelectionSetNode } from 'graphql';
import { GraphQLError, Kind, getOperationAST } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Root fields that plan with a model: each call also counts against PLAN_RATE_LIMIT_PER_MIN. */
export const PLANNING_FIELDS: ReadonlySet<string> = new Set(['planWorkflow', 'replanWorkflow']);

const WINDOW_SECONDS = 60;

export interface RateLimitOptions {
  /** Operations per minute per client; 0 = unlimited. */
  perMin: number;
  /** Planning calls per minute per client; 0 = unlimited. */
  planPerMin: number;
  /** With AUTH=off a Bearer token proves nothing, so clients are told apart by address only. */
  keyedByToken: boolean;
  /** Shared counters (so a limit holds across API processes); in memory without it. */
  redis?: { url: string; prefix: string };
  logger: Logger;
}

/** How many planning fields an operation calls at its root (aliases and fragments included). */
export function planningCalls(document: DocumentNode, operationName?: string | null): number {
  const op = getOperationAST(document, operationName);
  if (!op || op.operation !== 'mutation') return 0;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += PLANNING_FIELDS.has(s.name.value) ? 1 : 0;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) n += count(f.selectionSet);
      }
    }
    return n;
  };
  return count(op.selectionSet);
}

/** What the context of an HTTP request (yoga) or a graphql-ws operation carries about its sender. */
interface SenderContext {
  request?: { headers?: { get?: (name: string) => string | null } };
  connectionParams?: Record<string, unknown> | null;
  req?: { socket?: { remoteAddress?: string } };
}

/**
 * Whom an operation is counted against: the sha256 of its Bearer token (the
 * token itself never reaches Redis or a log), else its client address.
 */
export function clientKey(ctx: SenderContext, keyedByToken: boolean): string {
  if (keyedByToken) {
    const fromWs = ctx.connectionParams?.authorization;
    const header = typeof fromWs === 'string' ? fromWs : ctx.request?.headers?.get?.('authorization');
    const token = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (token) return `key:${createHash('sha256').update(token).digest('hex')}`;
  }
  return `addr:${ctx.req?.socket?.remoteAddress ?? 'local'}`;
}

const isHttp = (ctx: SenderContext) => typeof ctx.request?.headers?.get === 'function';

/** The client-facing refusal. No originalError: the error masker passes it through as built, `http` extension included. */
function refusal(limit: 'operations' | 'planning', perMin: number, msBeforeNext: number, http: boolean): GraphQLError {
  const retryAfterMs = Math.max(1, Math.ceil(msBeforeNext));
  const e = new RateLimitedError(`rate limit exceeded: at most ${perMin} ${limit === 'planning' ? 'planning calls' : 'operations'} per minute; retry in ${retryAfterMs} ms`, {
    retryAfterMs,
    limit,
  });
  const extensions: Record<string, unknown> = { ...e.details, code: e.code };
  // yoga turns this into the response's status and headers, and strips it from the body.
  if (http) extensions.http = { status: 429, headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } };
  return new GraphQLError(e.message, { extensions });
}

function createRedisClient(url: string, logger: Logger): Redis {
  // No offline queue: while Redis is away a call fails at once and the insurance limiter answers.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.warn({ err: err.message }, 'rate limiter: Redis unreachable; counting in memory until it is back');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('rate limiter: Redis is back; counting there again');
    down = false;
  });
  return client;
}

/**
 * Per-client rate limits as a yoga/envelop plugin: every operation (HTTP,
 * SSE, graphql-ws) takes a point before it runs, a planning call one more from
 * the planning budget. Over the limit: RATE_LIMITED with `retryAfterMs`
 * (status 429 and Retry-After over HTTP), and nothing runs.
 * With Redis the counters are shared; when Redis fails, each process counts
 * in memory (insurance) so an outage never refuses or blocks the API.
 */
export function createRateLimits(o: RateLimitOptions): { plugin: Plugin; ready(timeoutMs?: number): Promise<void>; close(): Promise<void> } {
  const limiter = (client: Redis | undefined, name: string, points: number): RateLimiterAbstract | null => {
    if (points <= 0) return null;
    const opts = { points, duration: WINDOW_SECONDS, keyPrefix: `${o.redis?.prefix ?? ''}ratelimit:${name}` };
    if (!client) return new RateLimiterMemory(opts);
    return new RateLimiterRedis({ ...opts, storeClient: client, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(opts) });
  };
  // Opened on first use and dropped by close(), so a server stopped and started again gets a new connection.
  let state: { client?: Redis; ops: RateLimiterAbstract | null; plan: RateLimiterAbstract | null } | undefined;
  const open = () => {
    if (state) return state;
    const client = o.redis ? createRedisClient(o.redis.url, o.logger.child({ component: 'rate-limit' })) : undefined;
    state = { client, ops: limiter(client, 'ops', o.perMin), plan: limiter(client, 'plan', o.planPerMin) };
    return state;
  };

  /** null when allowed; else the refusal. A store error other than "over the limit" is logged and lets the call through. */
  async function take(l: RateLimiterAbstract | null, key: string, points: number, name: 'operations' | 'planning', perMin: number, http: boolean) {
    if (!l || points === 0) return null;
    try {
      await l.consume(key, points);
      return null;
    } catch (res) {
      if (res instanceof RateLimiterRes) return refusal(name, perMin, res.msBeforeNext, http);
      o.logger.warn({ err: (res as Error)?.message }, 'rate limiter failed; operation allowed');
      return null;
    }
  }

  async function check(args: { document: DocumentNode; operationName?: string | null; contextValue: unknown }): Promise<GraphQLError | null> {
    const ctx = (args.contextValue ?? {}) as SenderContext;
    const key = clientKey(ctx, o.keyedByToken);
    const http = isHttp(ctx);
    const { ops, plan } = open();
    return (await take(ops, key, 1, 'operations', o.perMin, http)) ?? (await take(plan, key, planningCalls(args.document, args.operationName), 'planning', o.planPerMin, http));
  }

  const plugin: Plugin = {
    async onExecute({ args, setResultAndStopExecution }) {
      const refused = await check(args);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refused = await check(args);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
  };
  return {
    plugin,
    /**
     * Resolves once the Redis connection is up, or after `timeoutMs` (Redis
     * down at start is an outage like any other). Until then, calls count in memory.
     */
    async ready(timeoutMs = 2000) {
      const { client } = open();
      if (!client || client.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          client.off('ready', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        client.once('ready', done);
      });
    },
    async close() {
      const s = state;
      state = undefined;
      s?.client?.disconnect();
    },
  };
}
