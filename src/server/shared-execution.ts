import type { DocumentNode, ExecutionArgs, ExecutionResult, OperationDefinitionNode } from 'graphql';
import { createSourceEventStream, execute, getOperationAST, Kind, visit } from 'graphql/index.js'; // one graphql realm: see schema/print.ts
import type { Plugin } from 'graphql-yoga';
import { directOf } from '../schema/streams.ts';

/**
 * Execute once, deliver many: a subscription event is one object handed to
 * every local subscriber of its workflow (events/hub.ts), so the result of
 * executing a selection on it depends only on the document, the operation,
 * the variables the selection reads, and what the caller may see (tenant and
 * role). Subscribers that agree on those share one execution per event, and
 * one serialization of it (`serializedResult`). Variables read only by the
 * subscription field's own arguments (`after`, `afterSeq`, …) choose where a
 * stream starts, not what an event looks like: they are left out of the key.
 */

/** What the caller may see; results are shared only within one visibility. */
export type VisibilityOf = (contextValue: unknown) => string | undefined;

type Result = ExecutionResult | Promise<ExecutionResult>;
const executions = new WeakMap<object, Map<string, Result>>();
const documentIds = new WeakMap<DocumentNode, number>();
const selectionVariables = new WeakMap<OperationDefinitionNode, string[]>();
let nextDocumentId = 1;

/**
 * Variables the operation reads anywhere but in its root fields' own arguments, fragments of the
 * document included (sorted, so the key is stable).
 */
export function variablesOfSelection(doc: DocumentNode, op: OperationDefinitionNode): string[] {
  let names = selectionVariables.get(op);
  if (names) return names;
  const roots = new Set(op.selectionSet.selections);
  const found = new Set<string>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) visit(def, { Variable: (v) => void found.add(v.name.value) });
  }
  visit(op.selectionSet, {
    Field(node) {
      if (!roots.has(node)) return undefined;
      // A root field: its arguments are skipped, its directives and selection are read.
      for (const d of node.directives ?? []) visit(d, { Variable: (v) => void found.add(v.name.value) });
      if (node.selectionSet) visit(node.selectionSet, { Variable: (v) => void found.add(v.name.value) });
      return false;
    },
    Variable: (v) => void found.add(v.name.value),
  });
  names = [...found].sort();
  selectionVariables.set(op, names);
  return names;
}

/** The sharing key of a subscription, or undefined when it cannot be shared (no visibility, no operation). */
export function sharingKey(args: ExecutionArgs, visibility: string | undefined): string | undefined {
  if (visibility === undefined) return undefined;
  const op = getOperationAST(args.document, args.operationName);
  if (!op || op.operation !== 'subscription') return undefined;
  let docId = documentIds.get(args.document);
  if (docId === undefined) documentIds.set(args.document, (docId = nextDocumentId++));
  const vars = args.variableValues ?? {};
  const read = variablesOfSelection(args.document, op).map((n) => [n, vars[n] ?? null]);
  return `${docId}\u0000${args.operationName ?? ''}\u0000${visibility}\u0000${JSON.stringify(read)}`;
}

/** Executions run and executions reused since the process started (tests and the bench read them). */
export const sharingStats = { executed: 0, reused: 0, direct: 0, refused: 0 };

/** One execution of `args` per (event object, key): the first subscriber to reach an event runs it, the others reuse it. */
function executeShared(args: ExecutionArgs, key: string, item: unknown): Result {
  if (typeof item !== 'object' || item === null) return execute({ ...args, rootValue: item });
  let byKey = executions.get(item);
  if (!byKey) executions.set(item, (byKey = new Map()));
  let result = byKey.get(key);
  if (result) sharingStats.reused++;
  else {
    sharingStats.executed++;
    result = execute({ ...args, rootValue: item }) as Result;
    byKey.set(key, result);
  }
  return result;
}

const serialized = new WeakMap<object, string>();

/** `JSON.stringify(result)`, once per result object (shared results are serialized once for every socket). */
export function serializedResult(result: object): string {
  let json = serialized.get(result);
  if (json === undefined) serialized.set(result, (json = JSON.stringify(result)));
  return json;
}

/**
 * Writes a subscription's serialized result straight to the client (graphql-ws.ts frames it for
 * its socket's batch); false when it cannot take it now (a slow socket, an operation that ended).
 * Handed to the plugin as `rootValue.direct` by the transport.
 */
export type DirectWriter = (json: string) => boolean;

function directWriterOf(rootValue: unknown): DirectWriter | undefined {
  const direct = (rootValue as { direct?: unknown } | null | undefined)?.direct;
  return typeof direct === 'function' ? (direct as DirectWriter) : undefined;
}

/**
 * The direct path: an event the stream hands its sink is executed through `executeShared` and
 * its shared JSON written by the transport, with no per-subscriber promise. A result that is
 * not ready at once (an async field) or has errors (masked per subscriber) is refused: it takes
 * the iterator, where yoga's hooks see it.
 */
function offerDirect(source: object, args: ExecutionArgs, key: string): void {
  const offer = directOf(source);
  const write = directWriterOf(args.rootValue);
  if (!offer || !write) return;
  offer((item) => {
    const result = executeShared(args, key, item);
    const written = !(result instanceof Promise) && !result.errors && write(serializedResult(result));
    if (written) sharingStats.direct++;
    else sharingStats.refused++;
    return written;
  });
}

/**
 * A yoga (envelop) plugin: every subscription's source stream is created as
 * graphql-js does, and each of its events executed through `executeShared`
 * (on the direct path when the stream and the transport offer one).
 * Yoga's other plugins still see the subscription and its results (errors
 * are masked per subscriber: a result with errors is never the shared object
 * after masking, so it is serialized on its own).
 */
export function useSharedExecution(visibilityOf: VisibilityOf): Plugin {
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const key = sharingKey(args as ExecutionArgs, visibilityOf(args.contextValue));
      if (key === undefined) return;
      setSubscribeFn(async (a) => {
        const source = await createSourceEventStream(a as ExecutionArgs);
        if (!(Symbol.asyncIterator in source)) return source;
        offerDirect(source, a as ExecutionArgs, key);
        return mapResults(source, (item) => executeShared(a as ExecutionArgs, key, item));
      });
    },
  };
}

/** The source's items mapped through `map`; return() reaches the source at once (see schema/streams.ts). */
function mapResults(source: AsyncIterable<unknown>, map: (item: unknown) => Result): AsyncIterableIterator<ExecutionResult> {
  const it = source[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      if (r.done) return { done: true, value: undefined };
      return { done: false, value: await map(r.value) };
    },
    async return() {
      await it.return?.();
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await it.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
