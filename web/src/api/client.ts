import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { authorization } from './auth.ts';

/** A GraphQL error the server sent, with its extensions.code (e.g. UNAUTHENTICATED, INVALID_STATE). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The task the error names (extensions.taskKey, e.g. on PLAN_INVALID), when it names one. */
    readonly taskKey: string | null = null,
  ) {
    super(message);
  }
}

/** Called when a request answers UNAUTHENTICATED: the app asks for a key. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

const printed = new WeakMap<object, string>();
function source(doc: TypedDocumentNode<unknown, unknown>): string {
  let s = printed.get(doc);
  if (!s) {
    s = print(doc);
    printed.set(doc, s);
  }
  return s;
}

interface GraphqlBody<T> {
  data?: T | null;
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown; taskKey?: unknown } }>;
}

/** The first error of an answer as an ApiError; the message is the server's (already safe for clients). */
function firstError(errors: NonNullable<GraphqlBody<unknown>['errors']>): ApiError {
  const e = errors[0] ?? {};
  const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';
  const taskKey = typeof e.extensions?.taskKey === 'string' ? e.extensions.taskKey : null;
  return new ApiError(typeof e.message === 'string' ? e.message : 'request failed', code, taskKey);
}

/** A query or mutation over HTTP (fetch). Throws ApiError. */
export async function request<T, V>(doc: TypedDocumentNode<T, V>, variables: V): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  const auth = authorization();
  if (auth) headers.authorization = auth;
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query: source(doc as TypedDocumentNode<unknown, unknown>), variables }) });
  } catch {
    throw new ApiError('Baton is unreachable', 'NETWORK');
  }
  let body: GraphqlBody<T>;
  try {
    body = (await res.json()) as GraphqlBody<T>;
  } catch {
    throw new ApiError(`Baton answered ${res.status} without a GraphQL body`, 'NETWORK');
  }
  if (body.errors?.length) {
    const err = firstError(body.errors);
    if (err.code === 'UNAUTHENTICATED') onUnauthenticated();
    throw err;
  }
  if (!body.data) throw new ApiError('empty answer', 'INTERNAL_SERVER_ERROR');
  return body.data;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

type Listener = (s: ConnectionState) => void;
const listeners = new Set<Listener>();
let state: ConnectionState = 'connecting';
function setState(s: ConnectionState) {
  state = s;
  for (const l of listeners) l(s);
}
export function connectionState(): ConnectionState {
  return state;
}
export function onConnectionState(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Close codes graphql-ws uses for a key that is missing, bad (4401) or revoked (4403). */
const AUTH_CLOSE = new Set([4401, 4403]);

let client: Client | undefined;

/**
 * The one graphql-ws client. It does not retry by itself: a closed socket ends every subscription
 * with an error, and each subscription (see subscribe) re-subscribes with its own cursor, so a
 * resumed stream starts after the last event it saw rather than where it first began.
 */
function wsClient(): Client {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    lazy: true,
    retryAttempts: 0,
    connectionParams: () => {
      const auth = authorization();
      return auth ? { authorization: auth } : {};
    },
    on: {
      connecting: () => setState('connecting'),
      connected: () => setState('connected'),
      closed: (event) => {
        setState('disconnected');
        const code = (event as { code?: number } | undefined)?.code;
        if (code !== undefined && AUTH_CLOSE.has(code)) onUnauthenticated();
      },
    },
  });
  return client;
}

/** Drops the socket (a new key was entered); subscriptions reconnect with the new key. */
export function resetConnection(): void {
  client?.terminate();
  client = undefined;
}

export interface Subscription<T> {
  /** Each result, in order. */
  next(data: T): void;
  /** Before each re-subscription after a lost connection. */
  reconnecting?(): void;
  /** An error the server gave the operation itself (not a lost connection). */
  error?(err: ApiError): void;
}

const RETRY_MS = [250, 500, 1000, 2000, 4000];

/** Errors after which the schema says to subscribe again from the last cursor. */
const RESUMABLE = new Set(['SUBSCRIBER_LAGGED', 'EVENT_BUS_UNAVAILABLE', 'EVENTS_INTERRUPTED']);

/**
 * A subscription that survives lost connections: `variables()` is called at every (re-)subscription,
 * so a caller resumes from its own cursor (e.g. workflowEvents afterSeq = last seq seen).
 * Returns the function that ends it.
 */
export function subscribe<T, V>(doc: TypedDocumentNode<T, V>, variables: () => V, sink: Subscription<T>): () => void {
  let stopped = false;
  /** Set by an error resubscribing would repeat (NOT_FOUND, FORBIDDEN…): the stream then stays ended. */
  let fatal = false;
  let failures = 0;
  let unsubscribe = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    if (stopped) return;
    unsubscribe = wsClient().subscribe<T>(
      { query: source(doc as TypedDocumentNode<unknown, unknown>), variables: variables() as Record<string, unknown> },
      {
        next: (result) => {
          failures = 0;
          if (result.errors?.length) operationError(result.errors);
          else if (result.data) sink.next(result.data);
        },
        error: (err) => {
          if (stopped) return;
          if (Array.isArray(err)) operationError(err);
          if (!fatal) retry();
        },
        // The server may end a stream (e.g. EVENTS_INTERRUPTED comes as an error, a shutdown as complete).
        complete: () => retry(),
      },
    );
  };
  const operationError = (errors: readonly unknown[]) => {
    const err = firstError(errors as NonNullable<GraphqlBody<unknown>['errors']>);
    if (RESUMABLE.has(err.code)) return;
    fatal = true;
    sink.error?.(err);
  };
  const retry = () => {
    if (stopped || fatal) return;
    const delay = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]!;
    timer = setTimeout(() => {
      sink.reconnecting?.();
      run();
    }, delay);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
  };
}
