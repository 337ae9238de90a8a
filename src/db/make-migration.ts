// Developer tool: writes the next migration for one database from the entity definitions.
// Usage: node --import tsx src/db/make-migration.ts sqlite|postgresql [DATABASE_URL]
import { createDb } from './orm.ts';

const [database, url] = process.argv.slice(2);
const db = await createDb(database === 'postgresql' ? { databaseUrl: url, sqlitePath: '' } : { sqlitePath: url ?? './data/make-migration.sqlite' });
await db.migrate();
const result = await db.orm.getMigrator().createMigration(undefined, false, false);
console.log(result.fileName || 'no changes');
await db.close();
