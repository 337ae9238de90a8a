import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql/index.js'; // one graphql realm under vitest too: see schema/print.ts
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocketServer } from 'ws';
import type { Context } from '../schema/index.ts';
import { clipErrors } from './clip-errors.ts';

type Enveloped = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/**
 * graphql-ws on an existing ws server, executing through yoga's envelop so
 * the context, error masking and every yoga plugin apply as over HTTP.
 * A connection may hold `maxSubscriptions` operations at once; one more is
 * refused with TOO_MANY_SUBSCRIPTIONS and the connection stays open.
 */
export function useGraphqlWs(
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
  wss: WebSocketServer,
  maxSubscriptions: number,
) {
  return useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
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
          rootValue: { execute, subscribe } satisfies Enveloped,
        };
      },
    },
    wss,
  );
}
