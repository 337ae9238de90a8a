import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkflowDocument, PlanWorkflowDocument } from '../graphql/__generated__/operations.ts';
import { graphqlClient } from '../graphql/client.ts';
import { IDEMPOTENCY_WINDOW_MS } from '../../src/engine/store/reads.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { asTenant, headerPrincipal } from './tenants.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`idempotencyKey on createWorkflow and planWorkflow on ${testDialect}`, () => {
  let t: TestApp;
  let a: ReturnType<typeof graphqlClient>;
  let b: ReturnType<typeof graphqlClient>;
  /** Added to the app's clock: lets a test step past the 24-hour window. */
  let shift = 0;
  const clock = { now: () => Date.now() + shift, id: () => randomUUID() };
  const input = (idempotencyKey: string | null, description = `create ${randomUUID()}`) => ({
    input: { description, idempotencyKey, tasks: [{ key: '1', agent: 'backend', description: 'x' }] },
  });
  const create = async (c: ReturnType<typeof graphqlClient>, key: string | null) => (await c.data(CreateWorkflowDocument, input(key))).createWorkflow.id;
  const plan = async (c: ReturnType<typeof graphqlClient>, key: string) =>
    (await c.data(PlanWorkflowDocument, { input: { request: `Build a login page ${randomUUID()}`, idempotencyKey: key } })).planWorkflow.id;
  const rowsWith = async (key: string) => t.app.engine.store.withIdempotencyKey(key);
  const countAll = async () => (await t.app.engine.store.counts()).workflows;

  beforeAll(async () => {
    // ROLE api: planning runs, nothing executes.
    t = await startTestApp({ ROLE: 'api' }, { clock, http: { resolvePrincipal: headerPrincipal } });
    a = graphqlClient(asTenant(t.app.fetch, 'tenant-a'));
    b = graphqlClient(asTenant(t.app.fetch, 'tenant-b'));
  });
  afterAll(async () => t?.close());

  it('the same key sent again returns the workflow already created; without a key every request creates one', async () => {
    const key = `retry-${randomUUID()}`;
    const first = await create(a, key);
    // A second request, even with another description: the first workflow, nothing stored.
    const again = await a.data(CreateWorkflowDocument, input(key, 'another description'));
    expect(again.createWorkflow.id).toBe(first);
    expect(again.createWorkflow.description).not.toBe('another description');
    expect(await rowsWith(key)).toEqual([{ id: first.slice('Workflow:'.length), tenant: 'tenant-a' }]);
    const before = await countAll();
    expect(new Set([await create(a, null), await create(a, null)]).size).toBe(2);
    expect(await countAll()).toBe(before + 2);
  });

  it('five concurrent requests with one key create one workflow (createWorkflow and planWorkflow)', async () => {
    const key = `burst-${randomUUID()}`;
    const ids = await Promise.all(Array.from({ length: 5 }, () => create(a, key)));
    expect(new Set(ids).size).toBe(1);
    expect(await rowsWith(key)).toHaveLength(1);

    const planKey = `plan-${randomUUID()}`;
    const before = await countAll();
    const planned = await Promise.all(Array.from({ length: 5 }, () => plan(a, planKey)));
    expect(new Set(planned).size).toBe(1);
    expect(await countAll()).toBe(before + 1);
    // One key space: the same key on createWorkflow answers with the planned workflow.
    expect(await create(a, planKey)).toBe(planned[0]);
  });

  it('another tenant with the same key gets its own workflow, once', async () => {
    const key = `shared-${randomUUID()}`;
    const ofA = await create(a, key);
    const ofB = await Promise.all([create(b, key), create(b, key), create(b, key)]);
    expect(new Set(ofB).size).toBe(1);
    expect(ofB[0]).not.toBe(ofA);
    expect(await create(a, key)).toBe(ofA);
    expect((await rowsWith(key)).map((r) => r.tenant)).toEqual(['tenant-a', 'tenant-b']);
  });

  it('a key older than 24 hours may be used again', async () => {
    const key = `old-${randomUUID()}`;
    const first = await create(a, key);
    shift += IDEMPOTENCY_WINDOW_MS - 60_000;
    expect(await create(a, key)).toBe(first);
    shift += 120_000;
    const second = await create(a, key);
    expect(second).not.toBe(first);
    expect(await create(a, key)).toBe(second);
    expect(await rowsWith(key)).toEqual([{ id: second.slice('Workflow:'.length), tenant: 'tenant-a' }]);
  });

  it('a key is at most 200 characters, not empty, without control characters: BAD_USER_INPUT, nothing stored', async () => {
    const before = await countAll();
    for (const key of ['k'.repeat(201), '', 'tab\tkey', 'nul\u0000key']) {
      const r = await a.request(CreateWorkflowDocument, input(key));
      // A NUL is refused before the resolver runs, by the unstorable-text guard, which names the
      // variable's path ($input.idempotencyKey); the service's own checks name the input field.
      const field = key.includes('\u0000') ? 'input.idempotencyKey' : 'idempotencyKey';
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      const p = await a.request(PlanWorkflowDocument, { input: { request: 'x', idempotencyKey: key } });
      expect(p.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await countAll()).toBe(before);
    const longest = 'k'.repeat(200) + randomUUID().slice(0, 0);
    expect(await create(b, longest)).toBe(await create(b, longest));
  });
});
