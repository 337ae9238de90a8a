import { NotFoundError } from '../errors.ts';

/**
 * Global IDs are readable: `Workflow:<uuid>`, `Task:<uuid>`. Arguments also
 * accept the bare uuid, so ids copied from logs or the database work as-is.
 */
export type NodeTypename = 'Workflow' | 'Task';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: string) => UUID.test(s);

export const encodeGlobalId = (typename: string, id: string | number | bigint) => `${typename}:${id}`;

/** `Type:id` → { typename, id }; a bare id → typename ''. Never throws. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const i = globalId.indexOf(':');
  if (i <= 0) return { typename: '', id: globalId };
  return { typename: globalId.slice(0, i), id: globalId.slice(i + 1) };
}

/** The uuid named by `globalId` when it is (or may be) a `typename`, else null. */
export function localId(globalId: string, typename: NodeTypename): string | null {
  const d = decodeGlobalId(globalId.trim());
  if (d.typename !== '' && d.typename !== typename) return null;
  return isUuid(d.id) ? d.id.toLowerCase() : null;
}

/** Like localId, but an id that cannot name a `typename` is NOT_FOUND, as a well-formed unknown one would be. */
export function requireLocalId(globalId: string, typename: NodeTypename): string {
  const id = localId(globalId, typename);
  if (id) return id;
  const d = decodeGlobalId(globalId.trim());
  throw new NotFoundError(typename, d.typename === typename ? d.id : globalId);
}
