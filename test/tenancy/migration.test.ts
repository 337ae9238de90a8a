import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { GetAgentsDocument, GetWorkflowDocument, GetWorkflowEventsDocument } from '../graphql/__generated__/operations.ts';
import { graphqlClient } from '../graphql/client.ts';
import { createDb } from '../../src/db/orm.ts';
import { startTestApp } from '../support/app.ts';
import { createTestDatabase, serviceAvailable, testDialect } from '../support/services.ts';
import { asTenant, headerPrincipal } from './tenants.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const BEFORE_TENANTS = 'Migration20261125000000_initial';

describe.runIf(runs)(`the tenants migration on ${testDialect}`, () => {
  const database = createTestDatabase();
  afterAll(async () => (await database).drop());

  it("a database written before tenants opens with its rows in tenant 'default'; unedited built-ins become the templates", async () => {
    const env = (await database).env;
    // The database as the previous release left it: its schema, a finished workflow, edited and custom agents.
    const old = await createDb({ databaseUrl: env.DATABASE_URL, sqlitePath: env.SQLITE_PATH ?? ':memory:' });
    const id = randomUUID();
    try {
      await old.orm.getMigrator().up({ to: BEFORE_TENANTS });
      const at = 1_700_000_000_000;
      const agent = (name: string, role: string, builtin: boolean, updatedAt: number) => ({
        name,
        role,
        system_prompt: `prompt of ${name}`,
        active: true,
        builtin,
        created_at: at,
        updated_at: updatedAt,
      });
      // Raw rows: a database written by the release before tenants, which no current API can make.
      await old
        .knex('agents')
        .insert([
          agent('orchestrator', 'Plans', true, at),
          agent('backend', 'Backend engineer', true, at),
          agent('qa', 'QA, as edited before the upgrade', true, at + 5),
          agent('seo', 'SEO specialist', false, at),
        ]);
      await old.knex('workflows').insert({
        id,
        description: 'written before tenants',
        status: 'COMPLETED',
        orchestrator: 'orchestrator',
        metadata: '{}',
        total_tasks: 1,
        completed_tasks: 1,
        finished_tasks: 1,
        last_seq: 1,
        created_at: at,
        updated_at: at,
      });
      await old.knex('tasks').insert({
        id: randomUUID(),
        workflow_id: id,
        key: '1',
        description: 'a task',
        agent: 'seo',
        order_index: 0,
        depends_on: '[]',
        dependents: '[]',
        remaining_deps: 0,
        status: 'COMPLETED',
        output: 'done',
        metadata: '{}',
        created_at: at,
        updated_at: at,
      });
      await old
        .knex('workflow_events')
        .insert({ workflow_id: id, seq: 1, kind: 'created', payload: JSON.stringify({ description: 'written before tenants', channelId: null }), at });
    } finally {
      await old.close();
    }

    // This release opens it: migrations, seeding, then reads as tenants.
    const t = await startTestApp({ ROLE: 'api' }, { http: { resolvePrincipal: headerPrincipal } }, await database);
    try {
      expect((await t.app.engine.store.counts()).workflows).toBe(1);
      expect((await t.app.engine.store.workflowRecord(id))?.tenant).toBe('default');
      // Raw read: which tenant the migration gave each agent row, across all tenants; no store reads every tenant's rows at once.
      const agents = await t.app.services.db.knex('agents').orderBy(['tenant', 'name']).select('tenant', 'name', 'role');
      expect(agents.filter((r) => r.tenant === 'default').map((r) => [r.name, r.role])).toEqual([
        ['qa', 'QA, as edited before the upgrade'],
        ['seo', 'SEO specialist'],
      ]);
      expect(agents.filter((r) => r.tenant === '*').map((r) => r.name)).toEqual(['backend', 'devops', 'frontend', 'orchestrator', 'qa']);
      expect(agents.filter((r) => r.tenant !== '*' && r.tenant !== 'default')).toEqual([]);

      const asDefault = graphqlClient(t.app.fetch); // no header: tenant default
      const other = graphqlClient(asTenant(t.app.fetch, 'tenant-b'));
      const wf = (await asDefault.data(GetWorkflowDocument, { id })).workflow;
      expect(wf).toMatchObject({ id: `Workflow:${id}`, status: 'COMPLETED', description: 'written before tenants' });
      expect(wf!.tasks.map((x) => [x.key, x.agent.name, x.agent.role])).toEqual([['1', 'seo', 'SEO specialist']]);
      expect((await asDefault.data(GetWorkflowEventsDocument, { workflowId: id })).workflowEvents.map((e) => e.kind)).toEqual(['CREATED']);
      const roles = async (c: typeof asDefault) => Object.fromEntries((await c.data(GetAgentsDocument, {})).agents.map((x) => [x.name, x.role]));
      expect(await roles(asDefault)).toMatchObject({ qa: 'QA, as edited before the upgrade', seo: 'SEO specialist', backend: 'Backend engineer' });

      expect((await other.data(GetWorkflowDocument, { id })).workflow).toBeNull();
      const otherRoles = await roles(other);
      expect(otherRoles.seo).toBeUndefined();
      expect(otherRoles.qa).toMatch(/^QA engineer/);
      expect(Object.keys(otherRoles).sort()).toEqual(['backend', 'devops', 'frontend', 'orchestrator', 'qa']);
    } finally {
      await t.close();
    }
  });
});
