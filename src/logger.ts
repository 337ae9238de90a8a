import pino from 'pino';

export type Logger = pino.Logger;

/** `destination`: where lines go (default stdout); tests pass a stream to read them. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'baton', pid: process.pid, ...bindings },
    // Keys never reach the logs, whatever object is logged.
    redact: { paths: ['*.apiKey', '*.api_key', '*.authorization', '*.password', 'config.databaseUrl', 'config.redisUrl', 'config.apiKeys', 'apiKeys'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
