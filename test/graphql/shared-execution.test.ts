import { randomUUID } from 'node:crypto';
import { parse } from 'graphql/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFor } from '../../src/events/hub.ts';
import { sharingStats, variablesOfSelection } from '../../src/server/shared-execution.ts';
import { CreateWorkflowDocument, StartWorkflowDocument } from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { until } from '../support/processes.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';
import { wsClient } from './transport-clients.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

const WATCH = `subscription Watch($id: ID!, $after: String, $withKind: Boolean!) {
  workflowEvents(workflowId: $id, after: $after, untilFinished: true) { seq cursor kind @include(if: $withKind) ...T }
}
fragment T on TaskEvent { key }`;

describe('variablesOfSelection', () => {
  it('leaves out the variables only the subscription field reads (where a stream starts), keeps the ones its selection reads', () => {
    const doc = parse(`subscription W($id: ID!, $after: String, $inc: Boolean!, $f: Boolean!) {
      workflowEvents(workflowId: $id, after: $after) { seq ... on TaskEvent @include(if: $inc) { key } ...F }
    }
    fragment F on WorkflowEvent { kind @skip(if: $f) }`);
    const op = doc.definitions[0] as Parameters<typeof variablesOfSelection>[1];
    expect(variablesOfSelection(doc, op)).toEqual(['f', 'inc']);
  });
});

describe.runIf(runs)(`execute once, deliver many on ${testDialect}`, () => {
  let t: TestApp;
  const models = scriptedModels({ delayMs: () => 10 });
  beforeAll(async () => {
    t = await startTestApp({}, { models: models.factory });
  });
  afterAll(async () => t?.close());

  it('runs the selection once per event per (document, variables read, tenant + role), whatever the start position, and every subscriber gets every event', async () => {
    const gql = graphqlClient(t.fetch);
    const id = (await gql.data(CreateWorkflowDocument, { input: { description: `share ${randomUUID()}`, tasks: AUTH_TASKS } })).createWorkflow.id;
    const viewer = (await t.app.services.keys.create('default', 'viewer', 'watcher')).key;
    // Four admin subscribers (two start positions) share one execution; a viewer and a different $withKind get their own.
    const subscribers: Array<[string, Record<string, unknown>]> = [
      [t.key, { after: '0', withKind: true }],
      [t.key, { after: '0', withKind: true }],
      [t.key, { withKind: true }],
      [t.key, { after: '1', withKind: true }],
      [viewer, { after: '0', withKind: true }],
      [t.key, { after: '0', withKind: false }],
    ];
    const clients = subscribers.map(([key]) => wsClient(t.url!, key));
    const got = subscribers.map(() => [] as Array<{ seq: number; cursor: string; kind?: string; key?: string }>);
    const watching = subscribers.map(async ([, vars], i) => {
      for await (const r of clients[i]!.iterate<{ workflowEvents: (typeof got)[number][number] }>({ query: WATCH, variables: { id, ...vars } })) {
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        got[i]!.push(r.data!.workflowEvents);
      }
    });
    // Every subscriber is live (on the hub, and caught up on `created` where it starts before it) before the
    // run begins: a fixed wait was too short on a loaded machine, and late subscribers read from the log alone.
    const hub = hubFor(t.app.services.bus);
    await until(() => hub.subscribers(id.slice('Workflow:'.length)) === subscribers.length, 'every subscriber on the hub', 20_000, 10);
    await until(() => subscribers.every(([, v], i) => v.after === '1' || got[i]!.length >= 1), 'every subscriber to catch up on created', 20_000, 10);
    const before = { ...sharingStats };
    const storedBefore = (await t.app.services.workflows.eventsAfter('default', id.slice('Workflow:'.length), 0)).length;
    await gql.data(StartWorkflowDocument, { id });
    await Promise.all(watching);
    await Promise.all(clients.map((c) => c.dispose()));
    const liveEvents = got[0]!.length - storedBefore; // the events before the start each read from the log
    for (const g of got) expect(g.at(-1)!.kind ?? 'COMPLETED').toBe('COMPLETED');
    expect(got[1]).toEqual(got[0]);
    expect(got[4]).toEqual(got[0]);
    expect(got[5]!.map((e) => e.cursor)).toEqual(got[0]!.map((e) => e.cursor));
    expect(got[5]!.every((e) => e.kind === undefined)).toBe(true);
    // Three sharing keys: admin with kinds, viewer, admin without kinds; each live event executed once per key.
    // A few may be read from the log by each subscriber on its own (a stored event that arrived more than
    // the hub's gap wait ahead of a missing one, on a loaded machine): those are executed per subscriber.
    const executed = sharingStats.executed - before.executed;
    const reused = sharingStats.reused - before.reused;
    expect(executed + reused).toBe(6 * liveEvents);
    expect(executed).toBeGreaterThanOrEqual(3 * liveEvents);
    expect(executed).toBeLessThanOrEqual(3 * liveEvents + Math.ceil(liveEvents * 0.2));
    // graphql-ws subscribers that caught up take the direct path (the hub writes their frames); the
    // streams above still completed after `completed` with every event, in order, once.
    expect(sharingStats.direct - before.direct).toBeGreaterThan(0);
  });
});
