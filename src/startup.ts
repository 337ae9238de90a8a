import { pingRedis } from './services/health.ts';
import { BatonError } from './errors.ts';

/**
 * Expected ways a process fails to start. Each message is the one line an
 * operator reads: what is wrong and what to do (main.ts prints it and exits).
 */
export class StartupError extends BatonError {}

export class PortInUseError extends StartupError {
  constructor(host: string, port: number) {
    super('PORT_IN_USE', `port ${port} is in use on ${host}: stop the other process or set PORT`, { port });
  }
}

export class DatabaseUnreachableError extends StartupError {
  /** `variable`: what the operator fixes, DATABASE_URL or SQLITE_PATH. */
  constructor(what: string, reason: string, variable = 'DATABASE_URL') {
    super('DATABASE_UNREACHABLE', `cannot open the database ${what} (${reason}): start it or fix ${variable}`);
  }
}

export class RedisUnreachableError extends StartupError {
  constructor(what: string, seconds: number) {
    super('REDIS_UNREACHABLE', `cannot reach Redis at ${what} (no answer for ${seconds} s): start it or fix REDIS_URL`);
  }
}

export class MigrationFailedError extends StartupError {
  constructor(reason: string) {
    super('MIGRATION_FAILED', `database migration failed (${reason}): fix the database (or its permissions), then start again; nothing was half-applied`);
  }
}

/** host:port/database of a URL, never its user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.length > 1 ? u.pathname : '';
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${db}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** The first line of an error's message, cut short, with nothing of a stack. */
export function shortReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : '';
  const line = String(e?.message ?? err)
    .split('\n')[0]!
    .trim();
  // Query errors read "<the SQL> - <what went wrong>": the SQL says nothing an operator needs.
  const first = line.includes(' - ') ? line.slice(line.lastIndexOf(' - ') + 3) : line;
  const text = first.length > 200 ? `${first.slice(0, 200)}…` : first;
  return code && !text.includes(code) ? `${code}: ${text}` : text || code || 'unknown error';
}

/**
 * Waits for Redis to answer a PING, retrying (a Redis started at the same time
 * as Baton may need a moment); gives up with RedisUnreachableError after about
 * `waitMs`, so a process never hangs at start behind a Redis that is not there.
 */
export async function awaitRedis(url: string, waitMs: number, ping: (url: string) => Promise<boolean> = pingRedis): Promise<void> {
  const end = Date.now() + waitMs;
  for (;;) {
    if (await ping(url)) return;
    if (Date.now() >= end) throw new RedisUnreachableError(describeUrl(url), Math.round(waitMs / 1000));
    await new Promise((r) => setTimeout(r, 500));
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * The one line printed for a start-up failure (without the `baton: ` prefix).
 * Pure: the error and where the process was pointed at in, the line out.
 */
export function startupFailureLine(err: unknown, where: { databaseUrl?: string; sqlitePath: string }): string {
  if (err instanceof StartupError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code) && where.databaseUrl) {
    return new DatabaseUnreachableError(describeUrl(where.databaseUrl), shortReason(err)).message;
  }
  return `failed to start: ${shortReason(err)}`;
}
