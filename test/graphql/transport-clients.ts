import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql/index.js';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Result } from './client.ts';

/**
 * A graphql-ws client on the server's /graphql (ws:// on the same port), sending the key as
 * `connectionParams.authorization` when one is given. `closes` records close codes.
 */
export function wsClient(httpUrl: string, key?: string): Client & { closes: number[] } {
  const closes: number[] = [];
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: key ? { authorization: `Bearer ${key}` } : undefined,
  });
  client.on('closed', (e) => closes.push((e as { code: number }).code));
  return Object.assign(client, { closes });
}

/** Results of a subscription over graphql-ws; errors reject `next()` (graphql-ws reports them as an array). */
export function wsSubscribe<R, V>(client: Client, doc: TypedDocumentNode<R, V>, variables: V) {
  return client.iterate<R>({ query: print(doc), variables: variables as Record<string, unknown> }) as AsyncIterableIterator<Result<R>>;
}

/**
 * A subscription over GraphQL over SSE (yoga's distinct-connections mode):
 * POST with Accept: text/event-stream; `next` events carry results.
 */
export async function* sseSubscribe<R, V>(
  httpUrl: string,
  doc: TypedDocumentNode<R, V>,
  variables: V,
  signal?: AbortSignal,
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string,
): AsyncGenerator<Result<R>> {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`SSE request failed: ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (event === 'complete') return;
        if (event === 'next' || (!event && data)) yield JSON.parse(data) as Result<R>;
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}

/** Takes items until `stop` says the last one taken was the last wanted, then ends the subscription. */
export async function takeUntil<T>(it: AsyncIterable<T>, stop: (item: T, all: T[]) => boolean, timeoutMs = 15_000): Promise<T[]> {
  const items: T[] = [];
  const iterator = it[Symbol.asyncIterator]();
  const deadline = setTimeout(() => void iterator.return?.(), timeoutMs);
  try {
    for (;;) {
      const r = await iterator.next();
      if (r.done) throw new Error(`the stream ended after ${items.length} items: ${JSON.stringify(items.slice(-3))}`);
      items.push(r.value);
      if (stop(r.value, items)) return items;
    }
  } finally {
    clearTimeout(deadline);
    await iterator.return?.();
  }
}
