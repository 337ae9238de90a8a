import type { Db } from '../../src/db/orm.ts';

/** A trigger condition on the new event row: its kind, and optionally its payload's task key. */
export interface RefusedEvent {
  kind: string;
  key?: string;
}

/**
 * Makes storing a workflow event that matches `refused` fail (a trigger), so the transaction that
 * stores it fails at that statement, on PostgreSQL and on SQLite. Returns what drops the trigger.
 */
export async function refuseEvents(db: Db, name: string, refused: RefusedEvent): Promise<() => Promise<void>> {
  const { knex } = db;
  const sqlite = db.database.migrations === 'sqlite';
  const key = refused.key === undefined ? '' : sqlite ? ` AND json_extract(NEW.payload, '$.key') = '${refused.key}'` : ` AND NEW.payload->>'key' = '${refused.key}'`;
  const when = `NEW.kind = '${refused.kind}'${key}`;
  if (sqlite) {
    await knex.raw(`CREATE TRIGGER ${name} BEFORE INSERT ON workflow_events FOR EACH ROW WHEN ${when} BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`);
    return async () => {
      await knex.raw(`DROP TRIGGER IF EXISTS ${name}`);
    };
  }
  await knex.raw(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
    CREATE TRIGGER ${name} BEFORE INSERT ON workflow_events FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}();`);
  return async () => {
    await knex.raw(`DROP TRIGGER IF EXISTS ${name} ON workflow_events`);
  };
}
