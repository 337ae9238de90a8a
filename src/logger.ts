import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'baton', pid: process.pid, ...bindings },
    // Keys never reach the logs, whatever object is logged.
    redact: { paths: ['*.apiKey', '*.api_key', '*.authorization', '*.password', 'config.databaseUrl', 'config.redisUrl', 'config.apiKeys', 'apiKeys'], censor: '[redacted]' },
  });
}
