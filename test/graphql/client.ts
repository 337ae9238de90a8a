import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
// The CommonJS graphql, the one yoga and Pothos load (see src/schema/print.ts).
import { print } from 'graphql/index.js';

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown> & { code?: string };
}

export interface Result<R> {
  data?: R | null;
  errors?: GraphQLErrorJson[];
}

type FetchFn = (input: string, init: RequestInit) => Promise<Response> | Response;

/**
 * Sends typed documents to a yoga `fetch` (no socket), with `Authorization: Bearer <key>` when a key
 * is given. `raw` keeps the response body text for leak checks.
 */
export function graphqlClient(fetch: FetchFn, key?: string) {
  async function raw<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<{ status: number; body: string; result: Result<R> }> {
    const res = await fetch('http://baton.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: print(doc), variables }),
    });
    const body = await res.text();
    return { status: res.status, body, result: JSON.parse(body) as Result<R> };
  }
  return {
    raw,
    /** The result, errors included. */
    async request<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<Result<R>> {
      return (await raw(doc, variables)).result;
    },
    /** The data; throws with the errors when there are any. */
    async data<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
      const { result } = await raw(doc, variables);
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
  };
}
