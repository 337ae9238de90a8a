import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { corsFor, useJsonBodiesOnly, verifyWebSocketOrigin } from './browser-safety.ts';
import { useClippedErrors } from './clip-errors.ts';
import { useQueryLimits } from './query-limits.ts';
import { createRateLimits } from './rate-limit.ts';

/**
 * The API's defences against hostile clients and pages, from config:
 * JSON-only bodies and a CORS allowlist (browser safety), graphql-armor query
 * limits, per-client rate limits, and clipped error messages. The HTTP server
 * spreads `plugins` into yoga's, passes `cors`, checks WebSocket upgrades with
 * `verifyClient`, and calls `close` when it stops.
 */
export function createHardening(config: Config, logger: Logger) {
  const rateLimits = createRateLimits({
    perMin: config.rateLimitPerMin,
    planPerMin: config.planRateLimitPerMin,
    keyedByToken: config.auth === 'required',
    redis: config.redisUrl ? { url: config.redisUrl, prefix: config.redisPrefix } : undefined,
    logger,
  });
  const plugins: Plugin[] = [
    useJsonBodiesOnly(),
    useQueryLimits(config.queryLimits, { hideSuggestions: !config.graphiql }),
    rateLimits.plugin,
    useClippedErrors({ hideSuggestions: !config.graphiql }),
  ];
  return {
    plugins,
    cors: corsFor(config.corsOrigins),
    verifyClient: verifyWebSocketOrigin(config.corsOrigins),
    /** Before listening: the shared rate-limit counters are reachable (or a bounded wait passed). */
    ready: () => rateLimits.ready(),
    close: () => rateLimits.close(),
  };
}
