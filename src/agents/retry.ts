import { classifyModelError } from './error-class.ts';

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Per attempt. */
  timeoutMs: number;
  random?: () => number;
}

export class AttemptTimeoutError extends Error {
  override name = 'AttemptTimeoutError';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export class EmptyAnswerError extends Error {
  override name = 'EmptyAnswerError';
  constructor() {
    super('the model returned an empty answer');
  }
}

/** A failure another attempt would only repeat (e.g. a tool loop out of steps): the task fails with this message. */
export class FinalAttemptError extends Error {
  override name = 'FinalAttemptError';
}

/** Exponential backoff with full jitter: a random delay in [base·2^(n-1)/2, base·2^(n-1)], capped. */
export function backoff(policy: RetryPolicy, failedAttempt: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (failedAttempt - 1));
  const r = (policy.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

export interface Classified {
  retryable: boolean;
  message: string;
  /** What the provider asked to wait (Retry-After on a 429 or 503). */
  retryAfterMs?: number;
}

/** Our own timeouts and empty answers are retryable by their class; the rest is the provider's verdict (see error-class.ts). */
export function classify(err: unknown, now = Date.now()): Classified {
  if (err instanceof FinalAttemptError) return { retryable: false, message: err.message };
  const c = classifyModelError(err, undefined, now);
  if (err instanceof AttemptTimeoutError || err instanceof EmptyAnswerError) return { retryable: c.retryable, message: err.message };
  return { retryable: c.retryable, message: c.message, ...(c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }) };
}

/** The pause before the next attempt: the backoff, or what the provider asked for when longer, at most maxMs. */
export function retryDelay(policy: RetryPolicy, failedAttempt: number, c: Classified): number {
  const ours = backoff(policy, failedAttempt);
  return c.retryAfterMs === undefined ? ours : Math.max(ours, Math.min(c.retryAfterMs, policy.maxMs));
}

/**
 * Runs one attempt with a timeout, aborting the model call (AbortSignal down into
 * the provider client) when the timeout or the outer signal fires, or when `stop`
 * rejects (with its reason).
 */
export async function attemptWithTimeout<T>(timeoutMs: number, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>, stop?: Promise<unknown>): Promise<T> {
  // One controller that either the timeout or the outer signal aborts (cheaper than AbortSignal.any,
  // which every task would pay for).
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort(new AttemptTimeoutError(timeoutMs));
  }, timeoutMs);
  const onOuter = () => ctrl.abort(outer!.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  stop?.catch((reason: unknown) => ctrl.abort(reason));
  try {
    return await fn(ctrl.signal);
  } catch (e) {
    if (timedOut && !outer?.aborted) throw ctrl.signal.reason;
    throw e;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Resolves after ms, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
