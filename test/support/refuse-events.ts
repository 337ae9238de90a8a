import type { Knex } from '@mikro-orm/knex';

/**
 * PostgreSQL: makes storing a workflow event that matches `when` (a trigger condition on NEW) fail,
 * so the transaction that stores it fails at its last statement. Returns what drops the trigger.
 */
export async function refuseEvents(knex: Knex, name: string, when: string): Promise<() => Promise<void>> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
    CREATE TRIGGER ${name} BEFORE INSERT ON workflow_events FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}();`);
  return async () => {
    await knex.raw(`DROP TRIGGER IF EXISTS ${name} ON workflow_events`);
  };
}
