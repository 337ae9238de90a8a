import { describe, expect, it } from 'vitest';
import { type ErrorFacts, classifyModelError, isRetryable, retryAfterMs } from '../../src/agents/error-class.js';
import { retryDelay } from '../../src/agents/retry.js';

const facts = (f: Partial<ErrorFacts>): ErrorFacts => ({ names: [], codes: [], ...f });

describe('isRetryable: by class, never by wording', () => {
  it.each<[string, Partial<ErrorFacts>, boolean]>([
    ['408 request timeout', { status: 408 }, true],
    ['409 conflict', { status: 409 }, true],
    ['425 too early', { status: 425 }, true],
    ['429 rate limited', { status: 429 }, true],
    ['500', { status: 500 }, true],
    ['503', { status: 503 }, true],
    ['529 overloaded', { status: 529 }, true],
    ['400 bad request', { status: 400 }, false],
    ['401', { status: 401 }, false],
    ['403', { status: 403 }, false],
    ['404', { status: 404 }, false],
    ['422', { status: 422 }, false],
    ['AbortError', { names: ['AbortError'] }, false],
    ['APIUserAbortError', { names: ['APIUserAbortError'] }, false],
    ['an abort wins over a status', { status: 503, names: ['AbortError'] }, false],
    ['Baton cancelled the task', { names: ['CancelledSignal'] }, false],
    ['TimeoutError', { names: ['TimeoutError'] }, true],
    ['our own attempt timeout', { names: ['AttemptTimeoutError'] }, true],
    ['APIConnectionTimeoutError', { names: ['APIConnectionTimeoutError'] }, true],
    ['APIConnectionError', { names: ['APIConnectionError'] }, true],
    ['empty answer', { names: ['EmptyAnswerError'] }, true],
    ['unparsable structured output', { names: ['OutputParserException'] }, true],
    ['ECONNRESET', { names: ['Error'], codes: ['ECONNRESET'] }, true],
    ['ECONNREFUSED', { codes: ['ECONNREFUSED'] }, true],
    ['ETIMEDOUT', { codes: ['ETIMEDOUT'] }, true],
    ['EPIPE', { codes: ['EPIPE'] }, true],
    ['ENOTFOUND', { codes: ['ENOTFOUND'] }, true],
    ['EAI_AGAIN', { codes: ['EAI_AGAIN'] }, true],
    ['UND_ERR_SOCKET', { names: ['TypeError'], codes: ['UND_ERR_SOCKET'] }, true],
    ['UND_ERR_HEADERS_TIMEOUT', { codes: ['UND_ERR_HEADERS_TIMEOUT'] }, true],
    ['UND_ERR_ABORTED is a cancel', { codes: ['UND_ERR_ABORTED'] }, false],
    ['a malformed stream chunk (SyntaxError)', { names: ['SyntaxError'] }, false],
    ['a plain Error', { names: ['Error'] }, false],
    ['a TypeError without a network cause', { names: ['TypeError'] }, false],
  ])('%s', (_what, f, retryable) => {
    expect(isRetryable(facts(f))).toBe(retryable);
  });

  it('gives the same verdict whatever the message says', () => {
    for (const message of ['socket hang up', 'network error: connection terminated', 'timed out', 'Unexpected token } in JSON']) {
      expect(classifyModelError(new SyntaxError(message)).retryable).toBe(false);
      expect(classifyModelError(Object.assign(new Error(message), { code: 'ECONNRESET' })).retryable).toBe(true);
    }
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const headers = (h: Record<string, string>) => (n: string) => h[n];
  it.each<[string, number | undefined, Record<string, string>, number | undefined]>([
    ['seconds on a 429', 429, { 'retry-after': '2' }, 2000],
    ['fractional seconds', 429, { 'retry-after': '1.5' }, 1500],
    ['seconds on a 503', 503, { 'retry-after': '7' }, 7000],
    ['an HTTP date', 503, { 'retry-after': 'Thu, 03 Dec 2026 12:00:05 GMT' }, 5000],
    ['a date in the past', 429, { 'retry-after': 'Thu, 03 Dec 2026 11:00:00 GMT' }, 0],
    ['retry-after-ms first', 429, { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['unreadable', 429, { 'retry-after': 'soon' }, undefined],
    ['absent', 429, {}, undefined],
    ['ignored on a 500', 500, { 'retry-after': '2' }, undefined],
    ['ignored without a status', undefined, { 'retry-after': '2' }, undefined],
  ])('%s', (_what, status, h, expected) => {
    expect(retryAfterMs(status, headers(h), now)).toBe(expected);
  });

  it('is read from the error a provider client throws (fetch Headers)', () => {
    const err = Object.assign(new Error('429 slow down'), { status: 429, headers: new Headers({ 'Retry-After': '2' }) });
    expect(classifyModelError(err, undefined, now)).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2000 });
  });

  it('replaces the backoff when longer, capped by RETRY_MAX_MS', () => {
    const policy = { attempts: 3, baseMs: 100, maxMs: 5000, timeoutMs: 1000, random: () => 1 };
    expect(retryDelay(policy, 1, { retryable: true, message: '', retryAfterMs: 2000 })).toBe(2000);
    expect(retryDelay(policy, 1, { retryable: true, message: '', retryAfterMs: 10 })).toBe(100);
    expect(retryDelay(policy, 1, { retryable: true, message: '', retryAfterMs: 60_000 })).toBe(5000);
    expect(retryDelay(policy, 1, { retryable: true, message: '' })).toBe(100);
  });
});
