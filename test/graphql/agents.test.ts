import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkflowDocument, DeactivateAgentDocument, GetAgentsDocument, GetHealthDocument, UpdateAgentDocument } from './__generated__/operations.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`GraphQL agents and health on ${testDialect}`, () => {
  let t: TestApp;
  let gql: ReturnType<typeof graphqlClient>;

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    gql = graphqlClient(t.fetch);
  });
  afterAll(async () => t?.close());

  it('lists the five built-in agents', async () => {
    const { agents } = await gql.data(GetAgentsDocument, {});
    expect(
      agents
        .filter((a) => a.builtin)
        .map((a) => a.name)
        .sort(),
    ).toEqual(['backend', 'devops', 'frontend', 'orchestrator', 'qa']);
    expect(agents.every((a) => a.active && a.role.length > 0)).toBe(true);
  });

  it('creates, updates and deactivates an agent; an inactive agent takes no new tasks', async () => {
    const { createAgent } = await gql.data(CreateAgentDocument, {
      input: { name: '@Reviewer', role: 'Code reviewer', model: 'offline', temperature: 0.2 },
    });
    expect(createAgent).toMatchObject({ name: 'reviewer', role: 'Code reviewer', model: 'offline', temperature: 0.2, active: true, builtin: false });
    const dup = await gql.request(CreateAgentDocument, { input: { name: 'reviewer', role: 'again' } });
    expect(dup.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const { updateAgent } = await gql.data(UpdateAgentDocument, { name: '@reviewer', input: { role: 'Senior reviewer', temperature: null } });
    expect(updateAgent).toMatchObject({ name: 'reviewer', role: 'Senior reviewer', temperature: null, model: 'offline' });

    const { deactivateAgent } = await gql.data(DeactivateAgentDocument, { name: 'reviewer' });
    expect(deactivateAgent.active).toBe(false);
    expect((await gql.data(GetAgentsDocument, {})).agents.map((a) => a.name)).not.toContain('reviewer');
    expect((await gql.data(GetAgentsDocument, { includeInactive: true })).agents.map((a) => a.name)).toContain('reviewer');

    const refused = await gql.request(CreateWorkflowDocument, {
      input: { description: 'review', tasks: [{ key: '1', agent: '@reviewer', description: 'Review the code' }] },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('PLAN_INVALID');
    expect(refused.errors?.[0]?.message).toMatch(/task 1 has unknown agent @reviewer/);
  });

  it('refuses an unknown agent (NOT_FOUND) and deactivating the orchestrator (INVALID_STATE)', async () => {
    const unknown = await gql.request(UpdateAgentDocument, { name: 'nobody', input: { role: 'x' } });
    expect(unknown.errors?.[0]).toMatchObject({ message: 'Agent nobody does not exist', extensions: { code: 'NOT_FOUND' } });
    const orchestrator = await gql.request(DeactivateAgentDocument, { name: 'orchestrator' });
    expect(orchestrator.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
  });

  it('reports health as a query and as GET /health', async () => {
    expect((await gql.data(GetHealthDocument, {})).health).toEqual({ ok: true, database: true, redis: null });
    const res = await t.app.fetch('http://baton.test/health', { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ ok: true, database: true, redis: null });
  });
});
