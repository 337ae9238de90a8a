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
    super('NOT_FOUND', `${what} ${id} does not exist`, { id });
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
