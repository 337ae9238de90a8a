import type { ExecutionArgs, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The envelop hooks of a guard that may refuse an operation after validation and before anything
 * runs: `check` returns the error to answer with (nothing is executed), or null to let it run.
 * The same for queries and mutations (onExecute) and subscriptions (onSubscribe), so a guard holds
 * over HTTP, SSE and graphql-ws alike.
 */
// `Record<string, any>` and `{}` are the bound and default graphql-yoga puts on a plugin context: a
// narrower type would not accept yoga's own contexts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
export function refuseBeforeRun<C extends Record<string, any> = {}>(check: (args: ExecutionArgs) => GraphQLError | null | undefined): Pick<Plugin<C>, 'onExecute' | 'onSubscribe'> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
