import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { CREATE_AGENT, CREATE_KEY, CREATE_WORKFLOW, codes, ME, poster } from './http.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`API keys and roles over HTTP on ${testDialect}`, () => {
  let t: TestApp;
  let post: ReturnType<typeof poster>;
  let viewer: string;
  let operator: string;
  const count = async (table: 'workflows' | 'agents' | 'api_keys') =>
    table === 'workflows' ? (await t.app.engine.store.counts()).workflows : table === 'agents' ? t.app.agents.count() : t.app.services.keys.count();

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api', GRAPHIQL: 'on' });
    post = poster(t.app.fetch);
    viewer = (await t.app.services.keys.create('default', 'viewer', 'dashboard')).key;
    operator = (await t.app.services.keys.create('default', 'operator', 'ci')).key;
  });
  afterAll(async () => t?.close());

  it('answers 401 UNAUTHENTICATED without a key, with an unknown key and with a malformed header', async () => {
    const unknownKey = `baton_${'A'.repeat(43)}`;
    for (const authorization of [undefined, `Bearer ${unknownKey}`, 'Bearer nope', 'Basic abc', 'Bearer']) {
      const a = await post('{ workflows(first: 1) { edges { cursor } } }', { authorization });
      expect(a.status).toBe(401);
      expect(a.headers.get('www-authenticate')).toBe('Bearer');
      expect(codes(a)).toEqual(['UNAUTHENTICATED']);
      expect(a.data ?? null).toBeNull();
    }
  });

  it('tells an anonymous caller nothing about the schema: no validation errors before the key is checked', async () => {
    const a = await post('{ workflowz }');
    expect(a.status).toBe(401);
    expect(JSON.stringify(a.errors)).not.toMatch(/workflowz|Did you mean/);
  });

  it('keeps /health, /live and the GraphiQL page open', async () => {
    expect((await t.app.fetch('http://baton.test/health', { method: 'GET' })).status).toBe(200);
    expect((await t.app.fetch('http://baton.test/live', { method: 'GET' })).status).toBe(200);
    const page = await t.app.fetch('http://baton.test/graphql', { method: 'GET', headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });

  it('a viewer reads but cannot write: FORBIDDEN, and no row is written', async () => {
    expect((await post(ME, { key: viewer })).data).toEqual({ me: { tenant: 'default', role: 'VIEWER', keyName: 'dashboard' } });
    expect(codes(await post('{ workflows(first: 1) { edges { cursor } } }', { key: viewer }))).toEqual([]);
    const before = await count('workflows');
    const a = await post(CREATE_WORKFLOW, { key: viewer });
    expect(a.status).toBe(200);
    expect(a.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN', requiredRole: 'operator', role: 'viewer' }) })]);
    expect(a.data ?? null).toBeNull();
    const plan = await post(`mutation { planWorkflow(input: {request: "build it"}) { id } }`, { key: viewer });
    expect(codes(plan)).toEqual(['FORBIDDEN']);
    expect(await count('workflows')).toBe(before);
  });

  it('an operator creates workflows but not agents or keys; a mixed operation executes nothing', async () => {
    expect(codes(await post(CREATE_WORKFLOW, { key: operator }))).toEqual([]);
    const workflows = await count('workflows');
    const agents = await count('agents');
    expect(codes(await post(CREATE_AGENT, { key: operator }))).toEqual(['FORBIDDEN']);
    expect(codes(await post(CREATE_KEY, { key: operator, variables: { role: 'ADMIN' } }))).toEqual(['FORBIDDEN']);
    expect(codes(await post('{ apiKeys { id } }', { key: operator }))).toEqual(['FORBIDDEN']);
    // The admin field hidden behind an allowed one and a fragment: refused as a whole, before anything runs.
    const mixed = `mutation { createWorkflow(input: {description: "mixed", tasks: [{key: "1", agent: "@qa", description: "x"}]}) { id } ...A }
      fragment A on Mutation { ... on Mutation { createAgent(input: {name: "sneaky", role: "x"}) { name } } }`;
    expect(codes(await post(mixed, { key: operator }))).toEqual(['FORBIDDEN']);
    expect(await count('workflows')).toBe(workflows);
    expect(await count('agents')).toBe(agents);
    expect(await count('api_keys')).toBe(3);
  });

  it('an admin creates, lists and revokes keys of its own tenant; a revoked key answers 401 saying so', async () => {
    const created = await post(CREATE_KEY, { key: t.key, variables: { role: 'OPERATOR', name: 'deploy bot' } });
    const { key, apiKey } = created.data!.createApiKey;
    expect(key).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'deploy bot', role: 'OPERATOR', lastUsedAt: null, revokedAt: null });
    // Raw read: the point is what the row physically holds (a hash, never the key), which no store method exposes.
    const stored = await t.app.services.db.knex('api_keys').where({ id: apiKey.id }).first();
    expect(JSON.stringify(stored)).not.toContain(key);

    expect((await post(ME, { key })).data).toEqual({ me: { tenant: 'default', role: 'OPERATOR', keyName: 'deploy bot' } });
    const other = await t.app.services.keys.create('other', 'admin', 'elsewhere');
    const listed = (await post('{ apiKeys { id name role lastUsedAt } }', { key: t.key })).data!.apiKeys as Array<{ id: string; lastUsedAt: string | null }>;
    expect(listed.map((k) => k.id)).toContain(apiKey.id);
    expect(listed.map((k) => k.id)).not.toContain(other.record.id);
    expect(listed.find((k) => k.id === apiKey.id)!.lastUsedAt).not.toBeNull();

    const foreign = await post(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { key: t.key, variables: { id: other.record.id } });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(await t.app.services.keys.verify(other.key)).toMatchObject({ tenant: 'other' });

    const revoked = await post(`mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { key: t.key, variables: { id: apiKey.id } });
    expect(revoked.data!.revokeApiKey.revokedAt).toEqual(expect.any(String));
    const refused = await post(ME, { key });
    expect(refused.status).toBe(401);
    expect(refused.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/revoked/), extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it('refuses a bad key name or role with BAD_USER_INPUT or a validation error, writing nothing', async () => {
    const before = await count('api_keys');
    expect(codes(await post(CREATE_KEY, { key: t.key, variables: { role: 'VIEWER', name: 'x'.repeat(201) } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(CREATE_KEY, { key: t.key, variables: { role: 'OWNER' } }))).not.toEqual([]);
    expect(await count('api_keys')).toBe(before);
  });
});

describe.runIf(runs)(`AUTH=off on ${testDialect}`, () => {
  it('needs no key: every request acts as an admin of tenant default', async () => {
    const t = await startTestApp({ ROLE: 'api', AUTH: 'off' });
    try {
      const a = await poster(t.app.fetch)(ME);
      expect(a.status).toBe(200);
      expect(a.data).toEqual({ me: { tenant: 'default', role: 'ADMIN', keyName: null } });
    } finally {
      await t.close();
    }
  });
});
