/**
 * Expected failures: each has a stable `code` that reaches clients as
 * `extensions.code`. Anything that is not a BatonError is masked by the server.
 */
export class BatonError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The plan is malformed or meaningless; `line` is 1-based when the problem is on a line of plan text. */
export class PlanInvalidError extends BatonError {
  constructor(message: string, details: { line?: number; taskKey?: string } = {}) {
    super('PLAN_INVALID', message, details);
  }
}

export class BadUserInputError extends BatonError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class NotFoundError extends BatonError {
  constructor(what: string, id: string) {
    const shown = clipInput(id);
    super('NOT_FOUND', `${what} ${shown} does not exist`, { id: shown });
  }
}

export class InvalidStateError extends BatonError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_STATE', message, details);
  }
}

export class ConflictError extends BatonError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}

/** A workflow's budget is spent: it cannot run (or resume) until setBudget gives it room. */
export class BudgetExceededError extends BatonError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('BUDGET_EXCEEDED', message, details);
  }
}

/** Longest part of a client's input an error message repeats. */
export const ECHO_MAX_CHARS = 64;

/**
 * What an error message may repeat of a client's input: at most
 * ECHO_MAX_CHARS characters, then "…". A message must never hand back a
 * 10 KB argument whole (it amplifies the request and fills logs).
 */
export function clipInput(value: string, max = ECHO_MAX_CHARS): string {
  if (value.length <= max) return value;
  // 2·max+1 UTF-16 units hold more than max code points whenever the value does;
  // Array.from counts code points, so a cut never splits a surrogate pair.
  const chars = Array.from(value.slice(0, max * 2 + 1));
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : value;
}

/** A query over one of the graphql-armor limits (depth, aliases, directives, tokens, cost); refused before it runs. */
export class QueryTooComplexError extends BatonError {
  constructor(message: string, details: { limit: string; max: number }) {
    super('QUERY_TOO_COMPLEX', message, details);
  }
}

/** Too many operations from one API key or address; `retryAfterMs` says when the next one is accepted. */
export class RateLimitedError extends BatonError {
  constructor(message: string, details: { retryAfterMs: number; limit: string }) {
    super('RATE_LIMITED', message, details);
  }
}

/** An HTTP request body of a media type Baton does not accept (only JSON: browsers cannot send it cross-site without CORS). */
export class UnsupportedMediaTypeError extends BatonError {
  constructor(message: string, details: { contentType: string }) {
    super('UNSUPPORTED_MEDIA_TYPE', message, details);
  }
}
