import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore, hashKey } from '../../src/auth/keys.ts';
import { createDb, type Db } from '../../src/db/orm.ts';
import { createTestDatabase, serviceAvailable, testDialect, type TestDatabase } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`the key store on ${testDialect}`, () => {
  let database: TestDatabase;
  let db: Db;
  let writes: string[];
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = database.env;
    db = await createDb({ databaseUrl: env.DATABASE_URL, sqlitePath: env.SQLITE_PATH ?? ':memory:', onQuery: (sql) => void (/^update/i.test(sql) && writes?.push(sql)) });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  const lastUsed = async (id: string) => (await createKeyStore(db).get(id))!.lastUsedAt;
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('stores only the hash, and verifies by it', async () => {
    const store = createKeyStore(db);
    const { key, record } = await store.create('acme', 'viewer', 'k');
    // Raw read: the point is what the row physically holds (the hash, never the key), which no store method exposes.
    const row = await db.knex('api_keys').where({ id: record.id }).first();
    expect(row.key_hash).toBe(hashKey(key));
    expect(Object.values(row)).not.toContain(key);
    expect(await store.verify(key)).toEqual({ tenant: 'acme', role: 'viewer', keyId: record.id, keyName: 'k' });
    expect(await store.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await store.verify('not a key')).toBeNull();
  });

  it('writes lastUsedAt at most every 30 s per key, not on every request', async () => {
    let now = 1_000_000;
    const store = createKeyStore(db, { now: () => now });
    const { key, record } = await store.create('acme', 'operator', null);
    writes = [];
    await store.verify(key);
    await settle();
    expect(await lastUsed(record.id)).toBe(1_000_000);
    for (const step of [1000, 5000, 10_000, 13_000]) {
      now += step;
      await store.verify(key);
    }
    await settle();
    expect(writes).toHaveLength(1);
    now = 1_000_000 + 30_000;
    await store.verify(key);
    await settle();
    expect(writes).toHaveLength(2);
    expect(await lastUsed(record.id)).toBe(1_030_000);
  });

  it("revoke: another tenant's id is NOT_FOUND; revoked keys verify as revoked at once here, within the cache time elsewhere", async () => {
    let now = 2_000_000;
    const here = createKeyStore(db, { now: () => now });
    const elsewhere = createKeyStore(db, { now: () => now, cacheMs: 1000 });
    const { key, record } = await here.create('acme', 'admin', 'x');
    expect(await elsewhere.verify(key)).toMatchObject({ role: 'admin' });
    await expect(here.revoke(record.id, 'other')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(here.revoke('not-a-uuid', 'acme')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const revoked = await here.revoke(record.id, 'acme');
    expect(revoked.revokedAt).toBe(2_000_000);
    expect(await here.verify(key)).toBe('revoked');
    expect(await elsewhere.verify(key)).toMatchObject({ role: 'admin' }); // its copy is under a second old
    now += 1000;
    expect(await elsewhere.verify(key)).toBe('revoked');
    now += 5000;
    expect((await here.revoke(record.id)).revokedAt).toBe(2_000_000);
    expect(await here.revokedAmong([record.id, '00000000-0000-4000-8000-000000000000'])).toEqual(new Set([record.id, '00000000-0000-4000-8000-000000000000']));
  });

  it('refuses a bad tenant, role or name with BAD_USER_INPUT', async () => {
    const store = createKeyStore(db);
    await expect(store.create('', 'viewer')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(store.create('a b', 'viewer')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(store.create('acme', 'root' as 'viewer')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(store.create('acme', 'viewer', 'bad\u0000name')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await store.list('a b')).length).toBe(0);
  });
});
