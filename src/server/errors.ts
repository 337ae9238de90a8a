import { GraphQLError } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { YogaLogger } from 'graphql-yoga';
import { BatonError } from '../errors.ts';
import type { Logger } from '../logger.ts';

const BUILTIN_ERROR_NAMES = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);

/**
 * An expected failure: a BatonError, or one from another copy of the module
 * (matched by shape: a `*Error` class of its own with an UPPER_SNAKE code).
 * Node system errors (name "Error", code "ECONNREFUSED") do not match.
 */
export function isExpectedError(e: unknown): e is BatonError {
  if (e instanceof BatonError) return true;
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return /^[A-Z]\w*Error$/.test(e.name) && !BUILTIN_ERROR_NAMES.has(e.name) && typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code);
}

/** The innermost error a GraphQLError wraps (graphql-js wraps resolver errors, sometimes twice). */
function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof GraphQLError && e.originalError) e = e.originalError;
  return e;
}

/**
 * yoga's `maskedErrors.maskError`, also applied to graphql-ws results through
 * yoga's envelop. Expected errors keep their message and reach the client
 * with `extensions: { code, ...details }`; GraphQL's own errors (parse,
 * validation, argument coercion) pass through, Pothos argument errors with
 * code BAD_USER_INPUT; anything else becomes
 * "Unexpected error." with code INTERNAL_SERVER_ERROR, and only the server
 * log sees the original and its stack.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const cause = rootCause(error);
    const located = error instanceof GraphQLError ? error : undefined;
    const at = located ? { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path } : {};
    if (isExpectedError(cause)) {
      const details = (cause as { details?: Record<string, unknown> }).details ?? {};
      return new GraphQLError(cause.message, { ...at, extensions: { ...details, code: cause.code } });
    }
    // Pothos rejects bad arguments (e.g. a negative `first`) with its own GraphQLError: a client mistake.
    if (cause instanceof GraphQLError && cause.name === 'PothosValidationError' && !cause.extensions.code) {
      return new GraphQLError(cause.message, { ...at, extensions: { ...cause.extensions, code: 'BAD_USER_INPUT' } });
    }
    if (cause instanceof GraphQLError) return error as GraphQLError;
    logger.error({ err: cause, path: located?.path?.join('.') }, 'unexpected error (masked for the client)');
    return new GraphQLError(message, { ...at, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}

/**
 * yoga's logger on pino. yoga logs at "error" every error it masked, expected
 * ones included; createMaskError already logged the unexpected ones, so those
 * calls go to debug.
 */
export function yogaLogger(logger: Logger): YogaLogger {
  const log = logger.child({ component: 'yoga' });
  const fmt = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    debug: (...args) => log.debug(fmt(args)),
    info: (...args) => log.info(fmt(args)),
    warn: (...args) => log.warn(fmt(args)),
    error: (...args) => log.debug(fmt(args)),
  };
}
