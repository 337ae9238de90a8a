import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/orm.ts';
import { numOrNull } from '../db/sql.ts';
import { NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { parseInput } from '../validate.ts';
import type { Principal, Role } from './principal.ts';

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string | null;
  role: Role;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];
export const KEY_PREFIX = 'baton_';
/** `baton_` and 32 random bytes in base64url (43 characters). */
const KEY_SHAPE = /^baton_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const createSchema = z.object({
  tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a tenant name: letters, digits, ".", "_" and "-", up to 64'),
  role: z.enum(ROLES, { error: 'admin, operator or viewer' }),
  name: z
    .string()
    .max(200, 'at most 200 characters')
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'text without control characters')
    .nullish(),
});

/** Keys are compared by their SHA-256 only: a lookup by hash leaks nothing about other keys' bytes. */
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

const toRecord = (r: Record<string, unknown>): ApiKeyRecord => ({
  id: String(r.id),
  tenant: r.tenant as string,
  name: (r.name as string | null) ?? null,
  role: r.role as Role,
  createdAt: Number(r.created_at),
  lastUsedAt: numOrNull(r.last_used_at),
  revokedAt: numOrNull(r.revoked_at),
});

export const principalOf = (k: ApiKeyRecord): Principal => ({ tenant: k.tenant, role: k.role, keyId: k.id, keyName: k.name });

export interface KeyStoreOptions {
  now?: () => number;
  logger?: Logger;
  /** How long a verified key is trusted without reading it again (default 1 s). */
  cacheMs?: number;
  /** lastUsedAt is written at most this often per key (default 30 s). */
  touchEveryMs?: number;
}

export type Verified = Principal | 'revoked' | null;

/**
 * API keys: created (shown once), listed and revoked per tenant, and verified
 * on every request through a short cache. A revoke in this process shows at
 * once; one in another process (the CLI) within `cacheMs`.
 */
export function createKeyStore(db: Db, o: KeyStoreOptions = {}) {
  const now = o.now ?? Date.now;
  const cacheMs = o.cacheMs ?? 1000;
  const touchEveryMs = o.touchEveryMs ?? 30_000;
  const table = () => db.knex('api_keys');
  /** By key hash; only keys that exist are cached, so unknown keys cannot fill it. */
  const cache = new Map<string, { at: number; record: ApiKeyRecord }>();
  const MAX_CACHED = 10_000;
  const touched = new Map<string, number>();

  /** Records use at most every touchEveryMs per key, off the request's path. */
  function touch(record: ApiKeyRecord, at: number) {
    const last = Math.max(touched.get(record.id) ?? 0, record.lastUsedAt ?? 0);
    if (at - last < touchEveryMs) return;
    touched.set(record.id, at);
    table()
      .where({ id: record.id })
      .update({ last_used_at: at })
      .catch((err: unknown) => o.logger?.warn({ err, keyId: record.id }, 'could not record the use of an API key'));
  }

  function forget(id: string) {
    for (const [hash, hit] of cache) if (hit.record.id === id) cache.delete(hash);
  }

  return {
    async create(tenant: string, role: Role, name?: string | null): Promise<{ key: string; record: ApiKeyRecord }> {
      const input = parseInput(createSchema, { tenant, role, name });
      const key = KEY_PREFIX + randomBytes(32).toString('base64url');
      const record: ApiKeyRecord = {
        id: randomUUID(),
        tenant: input.tenant,
        name: input.name ?? null,
        role: input.role,
        createdAt: now(),
        lastUsedAt: null,
        revokedAt: null,
      };
      await table().insert({
        id: record.id,
        tenant: record.tenant,
        name: record.name,
        role: record.role,
        key_hash: hashKey(key),
        created_at: record.createdAt,
      });
      return { key, record };
    },

    /** How many keys are stored, of every tenant, revoked ones included: what a test checks was not written. */
    async count(): Promise<number> {
      return Number((await table().count({ n: '*' }))[0]!.n);
    },

    /** The tenant's keys, newest first, revoked ones included. */
    async list(tenant: string): Promise<ApiKeyRecord[]> {
      const rows = await table().where({ tenant }).orderBy('created_at', 'desc').orderBy('id').select('*');
      return rows.map(toRecord);
    },

    async get(id: string, tenant?: string): Promise<ApiKeyRecord | null> {
      if (!UUID.test(id)) return null;
      const row = await table()
        .where(tenant === undefined ? { id } : { id, tenant })
        .first('*');
      return row ? toRecord(row) : null;
    },

    /**
     * Revokes a key (kept, with revokedAt, so lists show it). With `tenant`, another tenant's key
     * answers NOT_FOUND like an unknown id. Revoking a revoked key changes nothing.
     */
    async revoke(id: string, tenant?: string): Promise<ApiKeyRecord> {
      const found = await this.get(id, tenant);
      if (!found) throw new NotFoundError('ApiKey', id.slice(0, 64));
      if (found.revokedAt === null) {
        const at = now();
        await table().where({ id: found.id }).whereNull('revoked_at').update({ revoked_at: at });
      }
      forget(found.id);
      return (await this.get(found.id))!;
    },

    /** Who a key belongs to; 'revoked' for a revoked key, null for anything else. */
    async verify(key: string): Promise<Verified> {
      if (!KEY_SHAPE.test(key)) return null;
      const hash = hashKey(key);
      const at = now();
      let hit = cache.get(hash);
      if (!hit || at - hit.at >= cacheMs) {
        const row = await table().where({ key_hash: hash }).first('*');
        if (!row) {
          cache.delete(hash);
          return null;
        }
        if (cache.size >= MAX_CACHED) cache.clear();
        hit = { at, record: toRecord(row) };
        cache.set(hash, hit);
      }
      if (hit.record.revokedAt !== null) return 'revoked';
      touch(hit.record, at);
      return principalOf(hit.record);
    },

    /** Of these key ids, the ones revoked (or deleted): read from the database, never the cache. */
    async revokedAmong(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await table().whereIn('id', ids).whereNull('revoked_at').select('id');
      const live = new Set(rows.map((r) => String(r.id)));
      return new Set(ids.filter((id) => !live.has(id)));
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
