import { getOperationAST, GraphQLError } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { Plugin } from 'graphql-yoga';
import { isExpectedError } from '../server/errors.ts';
import { refuseBeforeRun } from '../server/refuse-before-run.ts';
import type { Context } from '../schema/context.ts';
import { ForbiddenError } from './errors.ts';
import type { Principal } from './principal.ts';
import type { WatchRevocation } from './revocation-watch.ts';
import { firstForbidden } from './roles.ts';

/**
 * Authenticates every GraphQL request over HTTP and SSE before it is parsed
 * (so an anonymous caller learns nothing, not even validation errors):
 * the principal goes into the initial context; a missing, unknown or revoked
 * key answers status 401 with code UNAUTHENTICATED. /health, /live and the
 * GraphiQL page are served before this hook and stay open.
 */
export function useAuthentication(resolvePrincipal: (request: Request) => Promise<Principal>): Plugin {
  return {
    async onParams({ request, context, setResult }) {
      try {
        (context as { principal?: Principal }).principal = await resolvePrincipal(request);
      } catch (err) {
        if (!isExpectedError(err) || err.code !== 'UNAUTHENTICATED') throw err;
        const details = (err as { details?: Record<string, unknown> }).details ?? {};
        setResult({
          errors: [new GraphQLError(err.message, { extensions: { ...details, code: err.code, http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } })],
        });
      }
    },
  };
}

const forbidden = (e: ForbiddenError) => new GraphQLError(e.message, { extensions: { ...e.details, code: e.code } });

/**
 * Roles (see roles.ts), checked once per operation before anything executes,
 * for HTTP, SSE and graphql-ws alike (they all execute through envelop).
 */
export function useRoles(): Plugin<Context> {
  const check = (args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null; contextValue: Context }) => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null;
    const bad = firstForbidden(args.document, operation, args.contextValue.principal.role);
    return bad ? forbidden(new ForbiddenError(bad.field, bad.needed, args.contextValue.principal.role)) : null;
  };
  return refuseBeforeRun<Context>((args) => check(args as Parameters<typeof check>[0]));
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> => typeof v === 'object' && v !== null && Symbol.asyncIterator in v;

/**
 * A subscription of a key that gets revoked ends (the client sees it
 * complete): its context's `shutdown` signal also fires on revocation.
 */
export function useRevocationWatch(watch: WatchRevocation): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue;
      const keyId = ctx.principal.keyId;
      if (!keyId) return;
      const revoked = new AbortController();
      ctx.shutdown = ctx.shutdown ? AbortSignal.any([ctx.shutdown, revoked.signal]) : revoked.signal;
      const unwatch = watch(keyId, () => revoked.abort());
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) return void unwatch();
          return { onEnd: unwatch };
        },
        onSubscribeError: unwatch,
      };
    },
  };
}
