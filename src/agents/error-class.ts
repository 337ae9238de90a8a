/**
 * Whether a failed model call is worth another attempt, decided by the error's class (HTTP status,
 * error name, network error code), never by the words of its message: a malformed stream chunk is
 * then refused or retried the same whatever its wording.
 */

/** What an error is, as far as retrying goes: read from the error and its causes. */
export interface ErrorFacts {
  status?: number;
  /** `name`s and class names along the cause chain. */
  names: string[];
  /** `code`s (strings) along the cause chain. */
  codes: string[];
}

const RETRY_STATUS = new Set([408, 409, 425, 429]);
/** Cancelled by Baton (task cancel, shutdown, a claim that did not commit): another attempt is never wanted. */
const ABORT_NAMES = new Set(['AbortError', 'ModelAbortError', 'APIUserAbortError', 'CancelledSignal', 'ShutdownSignal', 'NotClaimedSignal']);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'AttemptTimeoutError',
  'APIConnectionTimeoutError',
  'APIConnectionError',
  'FetchError',
  // A model that answered nothing, or structured output that did not parse, may do better on a second try.
  'EmptyAnswerError',
  'OutputParserException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const isNetworkCode = (c: string) => NETWORK_CODES.has(c) || (c.startsWith('UND_ERR_') && c !== 'UND_ERR_ABORTED');

/** The retry decision, by class only. Pure. */
export function isRetryable(f: ErrorFacts): boolean {
  if (f.names.some((n) => ABORT_NAMES.has(n)) || f.codes.includes('UND_ERR_ABORTED')) return false;
  if (f.status !== undefined) return RETRY_STATUS.has(f.status) || f.status >= 500;
  if (f.names.some((n) => TRANSIENT_NAMES.has(n))) return true;
  return f.codes.some(isNetworkCode);
}

/**
 * How long a 429 or 503 asks to wait, from `retry-after-ms` or `Retry-After` (seconds, or an HTTP
 * date measured against `now`); undefined when it does not say (or says something unreadable). Pure.
 */
export function retryAfterMs(status: number | undefined, header: (name: string) => string | undefined, now: number): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const ms = Number(header('retry-after-ms'));
  if (header('retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const v = header('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface ModelErrorClass {
  retryable: boolean;
  status?: number;
  message: string;
  /** What the provider asked to wait before the next call (429/503 with Retry-After). */
  retryAfterMs?: number;
}

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  statusCode?: unknown;
  status_code?: unknown;
  code?: unknown;
  cause?: unknown;
  error?: unknown;
  response?: { status?: unknown; headers?: unknown };
  headers?: unknown;
  workspaceID?: unknown;
};

/**
 * Classifies a failed model call and writes a message that keeps the provider's own words and the
 * HTTP status (e.g. "openai 500: upstream exploded"). `provider` overrides the label guessed from
 * the error's shape.
 */
export function classifyModelError(err: unknown, provider?: string, now = Date.now()): ModelErrorClass {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const causes = chain(e);
  const status = statusOf(e);
  const facts: ErrorFacts = {
    status,
    names: causes.flatMap((c) => [String(c.name ?? ''), c.constructor?.name ?? '']).filter(Boolean),
    codes: causes.map((c) => c.code).filter((c): c is string => typeof c === 'string'),
  };
  const label = provider ?? providerOf(e, status);
  const detail = providerMessage(e, status);
  const retryable = isRetryable(facts);
  if (status !== undefined) {
    const wait = retryAfterMs(status, headerReader(e.headers ?? e.response?.headers), now);
    return { retryable, status, message: `${label} ${status}: ${detail}`, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  // The root cause of a connection failure (e.g. ECONNREFUSED) says more than "Connection error.".
  const root = causes.at(-1)!;
  const why = root !== e ? (typeof root.code === 'string' ? root.code : String(root.message ?? '')) : '';
  return { retryable, message: `${label}: ${detail}${why && !detail.includes(why) ? ` (${why})` : ''}` };
}

/** Reads a header from a fetch Headers or a plain record (SDKs differ). */
function headerReader(h: unknown): (name: string) => string | undefined {
  if (!h || typeof h !== 'object') return () => undefined;
  if (typeof (h as Headers).get === 'function') return (n) => (h as Headers).get(n) ?? undefined;
  return (n) => {
    const v = Object.entries(h as Record<string, unknown>).find(([k]) => k.toLowerCase() === n)?.[1];
    return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  };
}

/** The error and its causes, outermost first (bounded, in case of a cycle). */
function chain(e: ErrorLike): Array<ErrorLike & { constructor?: { name?: string } }> {
  const out: ErrorLike[] = [];
  for (let c: unknown = e; typeof c === 'object' && c !== null && out.length < 5; c = (c as ErrorLike).cause) {
    out.push(c as ErrorLike);
  }
  return out as Array<ErrorLike & { constructor?: { name?: string } }>;
}

function statusOf(e: ErrorLike): number | undefined {
  for (const s of [e.status, e.statusCode, e.status_code, e.response?.status]) {
    if (typeof s === 'number' && s >= 100 && s < 600) return s;
  }
  return undefined;
}

function providerOf(e: ErrorLike, status: number | undefined): string {
  if ('workspaceID' in e) return 'anthropic';
  if (e.name === 'ResponseError' && 'status_code' in e) return 'ollama';
  // The OpenAI SDK's errors (also behind OpenAI-compatible endpoints) carry response headers or an API* class.
  const ctor = (e as { constructor?: { name?: string } }).constructor?.name ?? '';
  if ((status !== undefined && 'headers' in e) || ctor.startsWith('API')) return 'openai';
  return 'model';
}

function providerMessage(e: ErrorLike, status: number | undefined): string {
  const body = e.error as { message?: unknown; error?: { message?: unknown } } | string | undefined;
  let text =
    typeof body === 'string'
      ? body
      : typeof body?.message === 'string'
        ? body.message
        : typeof body?.error?.message === 'string'
          ? body.error.message
          : typeof e.message === 'string'
            ? e.message
            : 'unknown error';
  // LangChain appends a troubleshooting link; SDKs prefix the status we already print.
  text = text.replace(/\s*Troubleshooting URL:[\s\S]*$/, '').trim();
  if (status !== undefined) text = text.replace(new RegExp(`^${status}\\s+`), '');
  return text || 'no message';
}
