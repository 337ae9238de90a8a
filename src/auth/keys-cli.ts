// npm run keys -- create|list|revoke: API keys on the configured database (DATABASE_URL or SQLITE_PATH).
import { ConfigError, loadConfig } from '../config.ts';
import { createDb, type Db } from '../db/orm.ts';
import { isExpectedError } from '../server/errors.ts';
import { KEYS_USAGE, type KeysCommand, parseKeysArgs } from './keys-args.ts';
import { type ApiKeyRecord, createKeyStore } from './keys.ts';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
const line = (k: ApiKeyRecord) =>
  [k.id, k.role.padEnd(8), iso(k.createdAt), `last used ${iso(k.lastUsedAt)}`, k.revokedAt ? `REVOKED ${iso(k.revokedAt)}` : 'active', k.name ?? ''].join('  ');

const cmd = parseKeysArgs(process.argv.slice(2));
if (!cmd) {
  console.error(KEYS_USAGE);
  process.exit(2);
}

let config;
try {
  config = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`baton keys: configuration error: ${e.message.split('\n').join('; ')}`);
  process.exit(2);
}

/** Runs the command; the output's last line is what a script wants (the key, for create). */
async function run(db: Db, c: KeysCommand): Promise<void> {
  await db.migrate();
  const keys = createKeyStore(db);
  if (c.command === 'create') {
    const { key, record } = await keys.create(c.tenant, c.role, c.name);
    console.log(`created ${record.role} key ${record.id} for tenant ${record.tenant}; it is shown only once:`);
    console.log(key);
  } else if (c.command === 'list') {
    const list = await keys.list(c.tenant);
    if (list.length === 0) console.log(`no keys for tenant ${c.tenant}`);
    for (const k of list) console.log(line(k));
  } else {
    const k = await keys.revoke(c.id);
    console.log(`revoked ${k.id} (tenant ${k.tenant}, ${k.role})`);
  }
}

let code = 0;
let db: Db | undefined;
try {
  db = await createDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  await run(db, cmd);
} catch (err) {
  // Expected failures (unknown id, bad tenant) and unreachable databases alike: one line, no stack.
  console.error(`baton keys: ${isExpectedError(err) ? err.message : `failed: ${(err as Error).message ?? String(err)}`}`);
  code = 1;
} finally {
  await db?.close().catch(() => undefined);
}
process.exit(code);
