import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/orm.ts';
import pg from 'pg';
import { stringLiteral } from '../../src/engine/store/postgres/sql.ts';
import type { Connections } from '../../src/engine/store/sql.ts';
import { createTestDatabase, serviceAvailable, testDialect, type TestDatabase } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

// Values that a literal must carry exactly: quotes, backslashes, placeholders, JSON, non-ASCII.
const NASTY = [`it's`, `back\\slash \\' and "double"`, 'a ? b ?? c $1', '{"json": "\\u0000-less", "n": [1, 2]}', 'ünïcødé — 日本', '', 'line\nbreak\ttab'];

describe.runIf(runs)(`the ${testDialect} adapter's hand-written SQL`, () => {
  let database: TestDatabase;
  let db: Db;
  let conns: Connections;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDb({ databaseUrl: database.env.DATABASE_URL, sqlitePath: database.env.SQLITE_PATH ?? '' });
    conns = db.database.adapter(db.knex, { now: Date.now, id: () => crypto.randomUUID() }).conns;
    await db.knex.schema.createTable('raw_probe', (t) => {
      t.integer('id').primary();
      t.text('v').nullable();
      t.bigInteger('at').nullable();
    });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('a transaction whose first and last statements carry BEGIN and COMMIT stores every value exactly', async () => {
    await conns.transaction(async (sql) => {
      await sql.run('INSERT INTO raw_probe (id, v, at) VALUES (?, ?, ?)', [0, NASTY[0], 1_796_217_684_594]);
      for (let i = 1; i < NASTY.length - 1; i++) await sql.run('INSERT INTO raw_probe (id, v, at) VALUES (?, ?, ?)', [i, NASTY[i], null]);
      await sql.runLast('INSERT INTO raw_probe (id, v, at) VALUES (?, ?, ?)', [NASTY.length - 1, NASTY.at(-1), -5]);
    });
    const rows = await db.knex('raw_probe').orderBy('id').select('v', 'at');
    expect(rows.map((r) => r.v)).toEqual(NASTY);
    expect(rows.map((r) => (r.at == null ? null : Number(r.at)))).toEqual([1_796_217_684_594, ...NASTY.slice(2).map(() => null), -5]);
    // Lists go in one parameter, inlined or not.
    const found = await conns.transaction(async (sql) => {
      const [cond, list] = sql.inList('v', [NASTY[1]!, NASTY[2]!, 'absent']);
      const r = await sql.all<{ id: unknown }>(`SELECT id FROM raw_probe WHERE ${cond} ORDER BY id`, [list]);
      await sql.runLast('UPDATE raw_probe SET at = ? WHERE id = ?', [7, 0]);
      return r.map((x) => Number(x.id));
    });
    expect(found).toEqual([1, 2]);
  });

  it('a statement that fails rolls everything back, the BEGIN-carrying first one included', async () => {
    await db.knex('raw_probe').delete();
    await expect(
      conns.transaction(async (sql) => {
        await sql.run('INSERT INTO raw_probe (id, v) VALUES (?, ?)', [1, 'kept?']);
        await sql.runLast('INSERT INTO raw_probe (id, v) VALUES (?, ?)', [1, 'duplicate key']);
      }),
    ).rejects.toThrow();
    await expect(
      conns.transaction(async (sql) => {
        await sql.run('INSERT INTO raw_probe (id, v) VALUES (?, ?)', [2, 'first']);
        throw new Error('the step gave up');
      }),
    ).rejects.toThrow('the step gave up');
    expect(Number((await db.knex('raw_probe').count({ n: '*' }).first())!.n)).toBe(0);
    // The connection is usable afterwards, outside a transaction too.
    await conns.query((sql) => sql.run('INSERT INTO raw_probe (id, v) VALUES (?, ?)', [3, 'after']));
    expect((await db.knex('raw_probe').select('v')).map((r) => r.v)).toEqual(['after']);
  });

  it("a string literal is what the pg driver's escapeLiteral writes, long outputs included", () => {
    const client = new pg.Client();
    const long = `${"an output line with a quote ' and a backslash \\ ".repeat(2000)}end`;
    for (const v of [...NASTY, "''", '\\\\', "\\'", long]) expect(stringLiteral(v), JSON.stringify(v.slice(0, 40))).toBe(client.escapeLiteral(v));
  });
});
