import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { Plugin } from 'graphql-yoga';
import { findUnstorable, isStorableText } from '../text.ts';
import { refuseBeforeRun } from './refuse-before-run.ts';

const MESSAGE = 'text may not contain NUL characters or unpaired UTF-16 surrogates';

const refused = (where: string, details: Record<string, unknown> = {}) => new GraphQLError(`${where}: ${MESSAGE}`, { extensions: { code: 'BAD_USER_INPUT', ...details } });

const isHigh = (n: number) => n >= 0xd800 && n <= 0xdbff;
const isLow = (n: number) => n >= 0xdc00 && n <= 0xdfff;

/**
 * Whether a GraphQL source holds a `\u` escape of an unpaired surrogate (graphql-js refuses it as a
 * syntax error; this makes it the same BAD_USER_INPUT as every other unstorable text). Escapes are
 * read pairwise; `\\` is consumed as one escape so `\\uD800` (a backslash, then text) is not one.
 */
export function hasEscapedUnpairedSurrogate(source: string): boolean {
  let pendingHigh = false;
  let end = -1; // where the previous escape ended
  for (const m of source.matchAll(/\\(?:u\{([0-9a-fA-F]{1,8})\}|u([0-9a-fA-F]{4})|[\s\S])/g)) {
    const hex = m[1] ?? m[2];
    const code = hex === undefined ? -1 : parseInt(hex, 16);
    if (pendingHigh) {
      if (end !== m.index || !isLow(code)) return true;
      pendingHigh = false;
    } else if (isLow(code)) {
      return true;
    } else {
      pendingHigh = isHigh(code);
    }
    end = m.index + m[0].length;
  }
  return pendingHigh;
}

/** The first string literal of a document that no store accepts, as its value; undefined if none. */
function unstorableLiteral(document: DocumentNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    [Kind.STRING](node) {
      if (found === undefined && !isStorableText(node.value)) found = node.value;
    },
  });
  return found;
}

/**
 * Refuses, before anything runs, an operation whose text, string literals or variables carry a NUL
 * or an unpaired surrogate: PostgreSQL cannot store them, SQLite can, and Baton answers the same on
 * both. Over HTTP, SSE and graphql-ws alike (all go through yoga's envelop).
 */
export function useStorableTextGuard(): Plugin {
  const check = (args: { document: DocumentNode; variableValues?: unknown }) => {
    const path = findUnstorable(args.variableValues ?? {});
    if (path) return refused(`variable ${path.join('.') || '(root)'}`, { field: path.join('.') });
    if (unstorableLiteral(args.document) !== undefined) return refused('a string in the operation');
    return undefined;
  };
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        const text = typeof source === 'string' ? source : source.body;
        if (!isStorableText(text) || hasEscapedUnpairedSurrogate(text)) throw refused('the operation');
        return parseFn(source, options);
      });
    },
    ...refuseBeforeRun(check),
  };
}
