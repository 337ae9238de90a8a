import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { Plugin } from 'graphql-yoga';
import { QueryTooComplexError } from '../errors.ts';

export interface QueryLimits {
  depth: number;
  aliases: number;
  directives: number;
  tokens: number;
  cost: number;
}

type LimitName = keyof QueryLimits;
/** armor's onReject callback (its types package is not a dependency of ours). */
type RejectCallback = (ctx: unknown, err: GraphQLError) => void;

/**
 * armor's own rejection is an untyped GraphQLError ("Syntax Error: …", no
 * code). Throwing from onReject replaces it, and also stops the work at once:
 * the token limit aborts the parse, the other limits abort validation at the
 * operation's first node, before graphql-js's own (slower) rules see the rest.
 */
function rejectTyped(limit: LimitName, max: number): RejectCallback[] {
  return [
    (_ctx, err) => {
      const message = err.message.replace(/^Syntax Error: /, '');
      const cause = new QueryTooComplexError(message, { limit, max });
      throw new GraphQLError(message, { originalError: cause, extensions: { code: cause.code, limit, max } });
    },
  ];
}

/**
 * graphql-armor's depth, alias, directive, token and cost limits as one
 * envelop plugin. yoga runs it over HTTP and SSE; graphql-ws gets it through
 * yoga's `getEnveloped` parse and validate. Fragments count as the fields they
 * hold (flattened), so naming a fragment never costs depth. Introspection
 * (`__schema`) is exempt from depth and cost, as armor intends, so GraphiQL's
 * schema query passes; it still counts tokens.
 * `hideSuggestions`: "Did you mean …" hints are masked (set when introspection
 * is off, or they would leak the schema it hides).
 */
export function useQueryLimits(limits: QueryLimits, opts: { hideSuggestions: boolean }): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.depth, flattenFragments: true, onReject: rejectTyped('depth', limits.depth) },
    maxAliases: { n: limits.aliases, onReject: rejectTyped('aliases', limits.aliases) },
    maxDirectives: { n: limits.directives, onReject: rejectTyped('directives', limits.directives) },
    maxTokens: { n: limits.tokens, onReject: rejectTyped('tokens', limits.tokens) },
    costLimit: { maxCost: limits.cost, flattenFragments: true, onReject: rejectTyped('cost', limits.cost) },
    blockFieldSuggestion: { enabled: opts.hideSuggestions },
  }) as Plugin;
}
