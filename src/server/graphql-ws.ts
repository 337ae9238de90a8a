import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../auth/principal.ts';
import type { WatchRevocation } from '../auth/revocation-watch.ts';
import type { Logger } from '../logger.ts';
import type { Context } from '../schema/index.ts';
import { clipErrors } from './clip-errors.ts';
import { isExpectedError } from './errors.ts';
import { type DirectWriter, serializedResult } from './shared-execution.ts';
import { batchSends, sendDirect } from './socket-batch.ts';

/**
 * What `onNext` hands graphql-ws in place of a result it has serialized
 * already: graphql-ws frames it (id, type) and the socket's send puts the
 * shared JSON where the marker is. The marker ends the message, and no
 * real payload can (a result's JSON ends with its own `}` after "data").
 */
const SHARED_MARK = { $shared: 1 };
/** How graphql-ws frames the marker: `{"id":<id as JSON>` + this. */
const SHARED_TAIL = ',"type":"next","payload":{"$shared":1}}';
const ID_PREFIX = '{"id":';

/** Per socket, per operation id (as JSON, the way the frame spells it): the serialized payload waiting for its frame. */
const sharedPayloads = new WeakMap<WebSocket, Map<string, string>>();

function putSharedPayload(socket: WebSocket, data: string): string {
  if (!data.endsWith(SHARED_TAIL) || !data.startsWith(ID_PREFIX)) return data;
  const pending = sharedPayloads.get(socket);
  const idJson = data.slice(ID_PREFIX.length, data.length - SHARED_TAIL.length);
  const json = pending?.get(idJson);
  if (json === undefined) return data;
  pending!.delete(idJson);
  return `${ID_PREFIX}${idJson},"type":"next","payload":${json}}`;
}

type Enveloped = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown; direct: DirectWriter };

/**
 * The direct path's writer for operation `id` (shared-execution.ts): frames a shared payload as
 * graphql-ws would (`next` with the id) and queues it on the socket's batch. It writes only while
 * graphql-ws holds this very operation (the one it first wrote for), so nothing follows a
 * `complete` or reaches a later operation that reuses the id.
 */
function directWriter(socket: WebSocket, subscriptions: Record<string, unknown>, id: string): DirectWriter {
  const head = `${ID_PREFIX}${JSON.stringify(id)},"type":"next","payload":`;
  let operation: unknown;
  return (json) => {
    const current = subscriptions[id];
    if (current == null || (operation !== undefined && current !== operation)) return false;
    operation = current;
    return sendDirect(socket, `${head}${json}}`);
  };
}

export interface GraphqlWsOptions {
  maxSubscriptions: number;
  /** The HTTP server's resolver, given the connection's `connectionParams.authorization` as the Authorization header. */
  resolvePrincipal: (request: Request) => Promise<Principal>;
  watchRevocation?: WatchRevocation;
  logger: Logger;
}

/** Close codes at connection_init: no or a bad key 4401, a revoked key 4403 (also when revoked later). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_REVOKED = 4403;

/** The principal of a connection_init's payload, or the close code and reason to end it with. */
async function connectionPrincipal(params: Record<string, unknown> | undefined, o: GraphqlWsOptions): Promise<Principal | { code: number; reason: string }> {
  const authorization = params?.authorization;
  try {
    const headers = new Headers();
    if (typeof authorization === 'string') headers.set('authorization', authorization);
    return await o.resolvePrincipal(new Request('http://graphql-ws.invalid/graphql', { headers }));
  } catch (err) {
    if (isExpectedError(err) && err.code === 'UNAUTHENTICATED') {
      const revoked = (err as { details?: { reason?: string } }).details?.reason === 'revoked';
      return { code: revoked ? CLOSE_REVOKED : CLOSE_UNAUTHORIZED, reason: err.message };
    }
    // Headers refuses values with line breaks and the like: a bad key, not our failure.
    if (err instanceof TypeError) return { code: CLOSE_UNAUTHORIZED, reason: 'the API key is not valid' };
    o.logger.error({ err }, 'could not authenticate a graphql-ws connection');
    return { code: 1011, reason: 'Internal server error' };
  }
}

/**
 * graphql-ws on an existing ws server, executing through yoga's envelop so
 * the context, error masking and every yoga plugin apply as over HTTP.
 * A connection may hold `maxSubscriptions` operations at once; one more is
 * refused with TOO_MANY_SUBSCRIPTIONS and the connection stays open.
 */
export function useGraphqlWs(yoga: YogaServerInstance<Record<string, unknown>, Context>, wss: WebSocketServer, o: GraphqlWsOptions) {
  const { maxSubscriptions } = o;
  /** Per connection (its graphql-ws context): the principal every operation on it runs as. */
  const principals = new WeakMap<object, Principal>();
  // Before graphql-ws's own listener: every message a socket sends goes through the batch.
  wss.on('connection', (socket: WebSocket) => {
    sharedPayloads.set(socket, new Map());
    batchSends(socket, (data) => putSharedPayload(socket, data));
  });
  return useServer<Record<string, unknown>, { socket: WebSocket }>(
    {
      // A result without errors is serialized once for every socket that gets it (shared-execution.ts).
      onNext: (ctx, id, _payload, _args, result) => {
        if ((result as { errors?: unknown }).errors) return undefined;
        sharedPayloads.get(ctx.extra.socket)?.set(JSON.stringify(id), serializedResult(result));
        return SHARED_MARK as never;
      },
      // Checked once at connection_init; a key revoked later closes the socket (4403) within the watch interval.
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const principal = await connectionPrincipal(ctx.connectionParams, o);
        if (!('tenant' in principal)) {
          // Closed here with our code; graphql-ws's own close (4403) that follows `false` is then a no-op.
          socket.close(principal.code, principal.reason);
          return false;
        }
        principals.set(ctx, principal);
        if (principal.keyId && o.watchRevocation) {
          const unwatch = o.watchRevocation(principal.keyId, () => socket.close(CLOSE_REVOKED, 'the API key has been revoked'));
          socket.once('close', unwatch);
        }
        return true;
      },
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
      onSubscribe: async (ctx, id, payload) => {
        // The operation being subscribed is already reserved in ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return [
            new GraphQLError(`too many subscriptions on this connection: at most ${maxSubscriptions} at once`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: maxSubscriptions },
            }),
          ];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          principal: principals.get(ctx),
        });
        let document;
        let errors: readonly GraphQLError[];
        try {
          document = parse(payload.query);
          errors = validate(schema, document);
        } catch (err) {
          // A syntax error, or a query over a limit (graphql-armor throws those), is the client's:
          // report it on the operation instead of closing the socket.
          if (err instanceof GraphQLError) return clipErrors([err]);
          throw err;
        }
        if (errors.length > 0) return clipErrors(errors);
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe, direct: directWriter(ctx.extra.socket, ctx.subscriptions, id) } satisfies Enveloped,
        };
      },
    },
    wss,
  );
}
