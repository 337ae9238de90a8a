// npm run keys -- create|list|revoke: API keys on the configured database (DATABASE_URL or SQLITE_PATH).
import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/orm.ts';
import { isExpectedError } from '../server/errors.ts';
import { KEYS_USAGE, parseKeysArgs } from './keys-args.ts';
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

const db = await createDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
let code = 0;
try {
  await db.migrate();
  const keys = createKeyStore(db);
  if (cmd.command === 'create') {
    const { key, record } = await keys.create(cmd.tenant, cmd.role, cmd.name);
    console.log(`created ${record.role} key ${record.id} for tenant ${record.tenant}; it is shown only once:`);
    console.log(key);
  } else if (cmd.command === 'list') {
    const list = await keys.list(cmd.tenant);
    if (list.length === 0) console.log(`no keys for tenant ${cmd.tenant}`);
    for (const k of list) console.log(line(k));
  } else {
    const k = await keys.revoke(cmd.id);
    console.log(`revoked ${k.id} (tenant ${k.tenant}, ${k.role})`);
  }
} catch (err) {
  if (!isExpectedError(err)) throw err;
  console.error(`baton keys: ${err.message}`);
  code = 1;
} finally {
  await db.close();
}
process.exit(code);
