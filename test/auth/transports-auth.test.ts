import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { OnWorkflowEventsDocument } from '../graphql/__generated__/operations.ts';
import { graphqlClient } from '../graphql/client.ts';
import { sseSubscribe, wsClient, wsSubscribe } from '../graphql/transport-clients.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { CREATE_WORKFLOW, poster } from './http.ts';

/** What an iterator still yields until it ends (or fails), within `ms`; `ended` is false when it was still open. */
async function drain<T>(it: AsyncIterator<T>, ms: number): Promise<{ items: T[]; ended: boolean }> {
  const items: T[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { items, ended: false };
    const r = await Promise.race([
      it.next().then(
        (v) => v,
        () => ({ done: true as const, value: undefined }),
      ),
      new Promise<'open'>((res) => setTimeout(() => res('open'), left)),
    ]);
    if (r === 'open') return { items, ended: false };
    if (r.done) return { items, ended: true };
    items.push(r.value);
  }
}
const kinds = (items: Array<{ data?: { workflowEvents: { kind: string } } | null }>) => items.map((i) => i.data?.workflowEvents.kind);

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`API keys over graphql-ws and SSE on ${testDialect}`, () => {
  let t: TestApp;
  let url: string;
  const clients: ReturnType<typeof wsClient>[] = [];
  const client = (key?: string) => {
    const c = wsClient(url, key);
    clients.push(c);
    return c;
  };
  const newKey = async (role: 'viewer' | 'operator' | 'admin' = 'viewer') => (await t.app.services.keys.create('default', role, 'sub')).key;
  const createWorkflow = async () => (await poster(t.fetch)(CREATE_WORKFLOW)).data!.createWorkflow.id as string;
  /** Revokes behind this process's back, as the CLI in another process does: no cache of ours is told (so a raw write, not keys.revoke). */
  const revokeElsewhere = async (key: string) => {
    const p = await t.app.services.keys.verify(key);
    if (!p || p === 'revoked') throw new Error('expected a live key');
    await t.app.services.db.knex('api_keys').where({ id: p.keyId }).update({ revoked_at: Date.now() });
  };

  beforeAll(async () => {
    t = await startTestApp();
    url = t.url!;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await t?.close();
  });

  it('graphql-ws: a connection without a key or with an unknown one is closed with 4401 at connection_init', async () => {
    const id = await createWorkflow();
    for (const key of [undefined, `baton_${'B'.repeat(43)}`]) {
      const c = client(key);
      await expect(wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id }).next()).rejects.toBeDefined();
      expect(c.closes).toEqual([4401]);
    }
  });

  it('graphql-ws: a revoked key is closed with 4403', async () => {
    const key = await newKey();
    await t.app.services.keys.revoke(((await t.app.services.keys.verify(key)) as { keyId: string }).keyId);
    const c = client(key);
    await expect(wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: await createWorkflow() }).next()).rejects.toBeDefined();
    expect(c.closes).toEqual([4403]);
  });

  it("graphql-ws: every operation runs as the connection's key; a viewer's mutation is FORBIDDEN", async () => {
    const c = client(await newKey('viewer'));
    const me = await c.iterate({ query: '{ me { role keyName } }' }).next();
    expect(me.value).toEqual({ data: { me: { role: 'VIEWER', keyName: 'sub' } } });
    const before = (await t.app.engine.store.counts()).workflows;
    const denied = await c
      .iterate({ query: CREATE_WORKFLOW })
      .next()
      .then(
        (r) => r.value,
        (errors: unknown) => ({ errors }),
      );
    expect(JSON.stringify(denied)).toContain('"code":"FORBIDDEN"');
    expect((await t.app.engine.store.counts()).workflows).toBe(before);
    expect(c.closes.filter((code) => code !== 1000)).toEqual([]); // 1000: the lazy client closes when idle
  });

  it('graphql-ws: a key revoked while subscribed is closed with 4403 within a few seconds and gets no more events', async () => {
    const id = await createWorkflow();
    const key = await newKey();
    const c = client(key);
    const stream = wsSubscribe(c, OnWorkflowEventsDocument, { workflowId: id });
    expect((await stream.next()).value.data.workflowEvents.kind).toBe('CREATED');
    const revokedAt = Date.now();
    await revokeElsewhere(key);
    await until(() => c.closes.length > 0, 'the socket of the revoked key to close', 8000, 20);
    expect(c.closes).toEqual([4403]);
    expect(Date.now() - revokedAt).toBeLessThan(8000);
    await graphqlClient(t.fetch).data(parse(`mutation($id: ID!) { startWorkflow(id: $id) { id } }`), { id });
    await new Promise((r) => setTimeout(r, 300));
    // Only what was sent before the revocation (the stored PLAN_READY), none of the run's events.
    const rest = await drain(stream, 5000);
    expect(rest.ended).toBe(true);
    expect(kinds(rest.items).filter((k) => k !== 'PLAN_READY')).toEqual([]);
  });

  it('SSE: works with a Bearer key, answers 401 without one, and ends the stream of a key revoked meanwhile', async () => {
    const id = await createWorkflow();
    const anonymous = sseSubscribe(url, OnWorkflowEventsDocument, { workflowId: id });
    await expect(anonymous.next()).rejects.toThrow(/401/);

    const key = await newKey();
    const stream = sseSubscribe(url, OnWorkflowEventsDocument, { workflowId: id }, undefined, key);
    expect((await stream.next()).value?.data?.workflowEvents.kind).toBe('CREATED');
    await revokeElsewhere(key);
    const rest = await drain(stream, 8000);
    expect(rest.ended).toBe(true);
    expect(kinds(rest.items).filter((k) => k !== 'PLAN_READY')).toEqual([]);
  });
});
