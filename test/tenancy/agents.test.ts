import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAgentDocument,
  CreateWorkflowDocument,
  DeactivateAgentDocument,
  GetAgentsDocument,
  PlanWorkflowDocument,
  StartWorkflowDocument,
  UpdateAgentDocument,
} from '../graphql/__generated__/operations.ts';
import { BUILTIN_AGENTS } from '../../src/agents/builtins.ts';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { tenantServer, type TenantServer } from './tenants.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const local = (globalId: string) => globalId.slice('Workflow:'.length);
const ORIGINAL_BACKEND = BUILTIN_AGENTS.find((a) => a.name === 'backend')!;

describe.runIf(runs)(`agents per tenant on ${testDialect}`, () => {
  let t: TestApp;
  let a: TenantServer;
  let b: TenantServer;
  // The orchestrator (no task key in its prompt) always plans one task for @seo.
  const models = scriptedModels({ answer: (key) => (key === '?' ? 'Task 1: @seo - Write the sitemap' : `output of task ${key}`) });
  const agentsOf = async (s: TenantServer) => (await s.gql.data(GetAgentsDocument, { includeInactive: true })).agents;
  const oneTask = (agent: string, description: string) => ({ description, tasks: [{ key: '1', agent, description }] });

  beforeAll(async () => {
    t = await startTestApp({}, { models: models.factory });
    a = await tenantServer(t.app.services, 'tenant-a');
    b = await tenantServer(t.app.services, 'tenant-b');
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await t?.close();
  });

  it("B's edit of a built-in changes only B's copy: A still reads and runs the original", async () => {
    const names = BUILTIN_AGENTS.map((x) => x.name).sort();
    expect((await agentsOf(a)).map((x) => x.name).sort()).toEqual(names);
    expect((await agentsOf(b)).map((x) => x.name).sort()).toEqual(names);

    const edited = await b.gql.data(UpdateAgentDocument, { name: '@backend', input: { role: 'B backend', systemPrompt: 'PROMPT OF TENANT B' } });
    expect(edited.updateAgent).toMatchObject({ name: 'backend', role: 'B backend', systemPrompt: 'PROMPT OF TENANT B', builtin: true, active: true });
    const backendOf = async (s: TenantServer) => (await agentsOf(s)).find((x) => x.name === 'backend');
    expect(await backendOf(b)).toMatchObject({ role: 'B backend', builtin: true });
    expect(await backendOf(a)).toMatchObject({ role: ORIGINAL_BACKEND.role, builtin: true });
    // Still one backend per tenant, in the same place of the list.
    expect((await agentsOf(b)).map((x) => x.name)).toEqual((await agentsOf(a)).map((x) => x.name));

    // Each tenant's task runs with its own tenant's agent.
    const marker = randomUUID();
    const run = async (s: TenantServer) => {
      const wf = (await s.gql.data(CreateWorkflowDocument, { input: oneTask('backend', `${s.tenant} ${marker}`) })).createWorkflow;
      await s.gql.data(StartWorkflowDocument, { id: wf.id });
      expect(await waitForStatus(t.app, local(wf.id), ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
      return models.calls.find((c) => c.prompt.includes(`${s.tenant} ${marker}`))!.prompt;
    };
    const promptB = await run(b);
    const promptA = await run(a);
    expect(promptB).toContain('PROMPT OF TENANT B');
    expect(promptA).not.toContain('PROMPT OF TENANT B');
    expect(promptA).toContain(ORIGINAL_BACKEND.systemPrompt);

    // B deactivating a built-in: B's plans may not use it, A's may.
    await b.gql.data(DeactivateAgentDocument, { name: 'frontend' });
    const refused = await b.gql.request(CreateWorkflowDocument, { input: oneTask('@frontend', 'x') });
    expect(refused.errors?.[0]?.extensions?.code).toBe('PLAN_INVALID');
    expect((await a.gql.request(CreateWorkflowDocument, { input: oneTask('@frontend', 'x') })).errors).toBeUndefined();
    expect((await agentsOf(a)).find((x) => x.name === 'frontend')?.active).toBe(true);
  });

  it("a custom agent is its tenant's only; the other tenant may create its own of that name; planning sees the tenant's team", async () => {
    await a.gql.data(CreateAgentDocument, { input: { name: '@seo', role: 'SEO of A' } });
    expect((await agentsOf(a)).map((x) => x.name)).toContain('seo');
    expect((await agentsOf(b)).map((x) => x.name)).not.toContain('seo');
    expect((await b.gql.request(UpdateAgentDocument, { name: 'seo', input: { role: 'x' } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await b.gql.request(CreateWorkflowDocument, { input: oneTask('@seo', 'x') })).errors?.[0]?.extensions?.code).toBe('PLAN_INVALID');
    expect((await a.gql.request(CreateAgentDocument, { input: { name: 'seo', role: 'again' } })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await b.gql.request(CreateAgentDocument, { input: { name: 'backend', role: 'again' } })).errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // The orchestrator plans @seo: A has one, B has none yet.
    const plan = async (s: TenantServer) => {
      const request = `${s.tenant} plan ${randomUUID()}`;
      const wf = (await s.gql.data(PlanWorkflowDocument, { input: { request } })).planWorkflow;
      const status = await waitForStatus(t.app, local(wf.id), ['PLANNED', 'FAILED']);
      return { status, prompt: models.calls.find((c) => c.prompt.includes(request))!.prompt };
    };
    const planA = await plan(a);
    expect(planA.status).toBe('PLANNED');
    expect(planA.prompt).toContain('- @seo: SEO of A');
    const planB = await plan(b);
    expect(planB.status).toBe('FAILED');
    expect(planB.prompt).not.toContain('@seo');

    expect((await b.gql.data(CreateAgentDocument, { input: { name: 'seo', role: 'SEO of B' } })).createAgent.role).toBe('SEO of B');
    expect((await agentsOf(a)).find((x) => x.name === 'seo')?.role).toBe('SEO of A');
    expect((await plan(b)).status).toBe('PLANNED');
  });

  it('the templates stay as built; seeding again inserts nothing and changes nothing', async () => {
    const templates = async () => t.app.agents.templates();
    const before = await templates();
    expect(before.map((r) => [r.name, r.role])).toEqual(BUILTIN_AGENTS.map((x) => [x.name, x.role]).sort());
    await Promise.all([t.app.agents.seed(), t.app.agents.seed()]);
    expect(await templates()).toEqual(before);
  });
});
