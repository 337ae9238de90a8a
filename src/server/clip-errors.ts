import { GraphQLError } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { Plugin } from 'graphql-yoga';
import { clipInput } from '../errors.ts';

/** Longest error message a client receives; ours are far shorter, so only echoed input is ever cut. */
const MESSAGE_MAX_CHARS = 400;

/**
 * graphql-js repeats what the client sent in its own messages: a syntax error
 * quotes the offending token, a bad variable its whole value, an unknown field
 * its name. Each quoted run is cut to clipInput's prefix, then the message as a
 * whole, so no error hands back more than a short prefix of its input.
 */
export function clipMessage(message: string, hideSuggestions = false): string {
  // graphql-armor masks suggestions in validation errors only; variable coercion suggests enum values too.
  const plain = hideSuggestions ? message.replace(/\s*Did you mean [^?]*\?/g, '') : message;
  const quoted = plain.replace(/"((?:[^"\\]|\\.)*)"/g, (_m, inner: string) => `"${clipInput(inner)}"`);
  return clipInput(quoted, MESSAGE_MAX_CHARS);
}

function clipError(e: GraphQLError, hideSuggestions: boolean): GraphQLError {
  const message = clipMessage(e.message, hideSuggestions);
  if (message === e.message) return e;
  return new GraphQLError(message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    originalError: e.originalError,
    extensions: e.extensions,
  });
}

/** The same errors with clipped messages; anything that is not a GraphQLError is left as it is. */
export function clipErrors<E>(errors: readonly E[], hideSuggestions = false): E[] {
  return errors.map((e) => (e instanceof GraphQLError ? (clipError(e, hideSuggestions) as E) : e));
}

type ResultLike = { errors?: readonly unknown[] };

/**
 * Every HTTP and SSE answer's errors, clipped (results that are streams are
 * left alone: their events are built by Baton's resolvers, which clip
 * themselves). graphql-ws calls clipErrors on its own refusals.
 * `hideSuggestions` (introspection off): "Did you mean …?" hints are dropped.
 */
export function useClippedErrors(opts: { hideSuggestions: boolean }): Plugin {
  const clipResult = (r: unknown): unknown => {
    const errors = (r as ResultLike | null)?.errors;
    return errors?.length ? { ...(r as object), errors: clipErrors(errors, opts.hideSuggestions) } : r;
  };
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) setResult(result.map(clipResult) as never);
      else if (result && !(Symbol.asyncIterator in (result as object))) setResult(clipResult(result) as never);
    },
  };
}
