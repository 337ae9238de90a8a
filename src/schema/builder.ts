import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import { clipInput } from '../errors.ts';
import type { Context } from './context.ts';
import { decodeGlobalId, encodeGlobalId } from './ids.ts';
import { resolveNode } from './node.ts';

export interface SchemaTypes {
  Context: Context;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    ID: { Input: string; Output: string | number | bigint };
    /** Epoch milliseconds (or an ISO string) out; ISO-8601 in, parsed to epoch milliseconds. */
    DateTime: { Input: number; Output: number | string | Date };
    JSON: { Input: unknown; Output: unknown };
  };
}

/**
 * Fields are non-null unless marked `nullable: true`. Reads go through the
 * per-request DataLoaders in `ctx.loaders` (see loaders.ts); the dataloader
 * plugin is registered for types that need no refresh within a request.
 */
export const builder = new SchemaBuilder<SchemaTypes>({
  plugins: [RelayPlugin, DataloaderPlugin, SimpleObjectsPlugin],
  defaultFieldNullability: false,
  relay: {
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    nodeQueryOptions: {
      description: 'Any object by global id ("Workflow:<uuid>", "Task:<uuid>") or bare uuid; null when there is none.',
      resolve: (_root, { id }, ctx, _info, loadTyped) => resolveNode(id, ctx, loadTyped),
    },
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

const toIso = (v: unknown): string => {
  const d = v instanceof Date ? v : new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as number | string));
  if (Number.isNaN(d.getTime())) throw new TypeError(`DateTime is expected to be epoch milliseconds or an ISO-8601 string, but got ${clipInput(String(v))}`);
  return d.toISOString();
};

export const DateTime = builder.scalarType('DateTime', {
  description: 'An instant as an ISO-8601 string in UTC with milliseconds, e.g. 2024-05-01T12:00:00.000Z.',
  serialize: toIso,
  parseValue: (v) => {
    const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) throw new TypeError(`DateTime is expected to be an ISO-8601 string, but got ${typeof v === 'string' ? JSON.stringify(clipInput(v)) : typeof v}`);
    return ms;
  },
});

export const JSONScalar = builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (v) => v,
  parseValue: (v) => v,
});
