// npm run migrate: applies pending migrations to the configured database.
import { loadConfig } from '../config.ts';
import { createDb } from './orm.ts';

const config = loadConfig();
const db = await createDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
const applied = await db.exclusive(() => db.migrate());
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
await db.close();
