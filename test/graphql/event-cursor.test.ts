import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, parseCursor } from '../../src/events/cursor.ts';
import { CancelWorkflowDocument, CreateWorkflowDocument, RetryWorkflowDocument, StartWorkflowDocument } from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';
import { wsClient } from './transport-clients.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

const WATCH = `subscription Watch($id: ID!, $after: String, $afterSeq: Int, $until: Boolean) {
  workflowEvents(workflowId: $id, after: $after, afterSeq: $afterSeq, untilFinished: $until) {
    seq cursor kind ... on TaskOutputEvent { key index text }
  }
}`;
interface Ev {
  seq: number;
  cursor: string;
  kind: string;
  key?: string;
  index?: number;
}

describe.runIf(runs)(`workflowEvents cursor and untilFinished on ${testDialect}`, () => {
  let t: TestApp;
  let gql: ReturnType<typeof graphqlClient>;
  // Task 2 fails on its first two attempts: a run that ends FAILED, then a retry that completes.
  let failing = new Set<string>();
  const models = scriptedModels({
    delayMs: () => 15,
    answer: (key) => `output of task ${key} `.repeat(4),
    error: (key) => (failing.has(key) ? new Error('scripted failure') : null),
  });
  const create = async () => (await gql.data(CreateWorkflowDocument, { input: { description: `cursor ${randomUUID()}`, tasks: AUTH_TASKS } })).createWorkflow.id;

  /** Every result of one subscription until it completes (or `stopAfter` results); graphql-ws errors reject. */
  async function watch(id: string, vars: Record<string, unknown>, stopAfter = Infinity): Promise<{ events: Ev[]; completed: boolean }> {
    const c = wsClient(t.url!, t.key);
    const events: Ev[] = [];
    let completed = true;
    try {
      for await (const r of c.iterate<{ workflowEvents: Ev }>({ query: WATCH, variables: { id, ...vars } })) {
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        events.push(r.data!.workflowEvents);
        if (events.length >= stopAfter) {
          completed = false;
          break;
        }
      }
    } finally {
      await c.dispose();
    }
    return { events, completed };
  }

  beforeAll(async () => {
    t = await startTestApp({ TASK_MAX_ATTEMPTS: '1' }, { models: models.factory });
    gql = graphqlClient(t.fetch);
  });
  afterAll(async () => t?.close());

  it('untilFinished completes after `completed`; cursors only move forward; a resume from any cursor, chunks included, yields exactly the rest', async () => {
    const id = await create();
    const first = watch(id, { until: true });
    await new Promise((r) => setTimeout(r, 100));
    await gql.data(StartWorkflowDocument, { id });
    const { events, completed } = await first;
    expect(completed).toBe(true);
    expect(events.at(-1)!.kind).toBe('COMPLETED');
    const stored = events.filter((e) => e.kind !== 'TASK_OUTPUT');
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    const chunks = events.filter((e) => e.kind === 'TASK_OUTPUT');
    expect(chunks.length).toBeGreaterThan(8);
    for (let i = 1; i < events.length; i++) expect(compare(parseCursor(events[i]!.cursor), parseCursor(events[i - 1]!.cursor))).toBeGreaterThan(0);
    // The finding: a chunk's own seq (its task_started) may be behind what came before it; its cursor never is.
    expect(stored.every((e) => e.cursor === String(e.seq))).toBe(true);

    // The query pages stored events after a cursor; a chunk's cursor counts as its stored event's.
    const page = async (after: string) => {
      const res = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query($id: ID!, $after: String) { workflowEvents(workflowId: $id, after: $after, first: 1000) { seq cursor } }', variables: { id, after } }),
      });
      return ((await res.json()) as { data: { workflowEvents: Array<{ seq: number; cursor: string }> } }).data.workflowEvents.map((e) => e.cursor);
    };
    const anchor = parseCursor(chunks[3]!.cursor).seq;
    expect(await page(chunks[3]!.cursor)).toEqual(stored.filter((e) => e.seq > anchor).map((e) => e.cursor));

    // Resumes on the same server (its buffer still holds the chunks): from a chunk, a stored event, the end.
    const picks = [chunks[3]!, chunks.at(-1)!, stored[5]!, events.at(-1)!].map((e) => events.indexOf(e));
    for (const i of picks) {
      const rest = await watch(id, { after: events[i]!.cursor, until: true });
      expect(rest.completed).toBe(true);
      expect(
        rest.events.map((e) => e.cursor),
        `after ${events[i]!.cursor}`,
      ).toEqual(events.slice(i + 1).map((e) => e.cursor));
    }
  });

  it('untilFinished ends after `failed` and after `cancelled`; without it the stream stays open for a retry', async () => {
    failing = new Set(['2']);
    const id = await create();
    const failed = watch(id, { until: true });
    const open = watch(id, {}, 1000);
    await new Promise((r) => setTimeout(r, 100));
    await gql.data(StartWorkflowDocument, { id });
    const f = await failed;
    expect(f.events.at(-1)!.kind).toBe('FAILED');
    failing = new Set();
    await gql.data(RetryWorkflowDocument, { id });
    await waitForStatus(t.app, id.slice('Workflow:'.length), ['COMPLETED']);
    // From the start, untilFinished goes past the first run's `failed` to the retry's end.
    const all = await watch(id, { until: true });
    expect(all.events.filter((e) => e.kind === 'FAILED' || e.kind === 'COMPLETED').map((e) => e.kind)).toEqual(['FAILED', 'COMPLETED']);
    expect(all.events.at(-1)!.kind).toBe('COMPLETED');
    // Resumed after the end of a finished workflow: nothing more, and it completes at once.
    expect(await watch(id, { after: all.events.at(-1)!.cursor, until: true })).toEqual({ events: [], completed: true });

    const slow = await create();
    const cancelled = watch(slow, { until: true });
    await new Promise((r) => setTimeout(r, 100));
    await gql.data(StartWorkflowDocument, { id: slow });
    await gql.data(CancelWorkflowDocument, { id: slow });
    const c = await cancelled;
    expect(c.completed).toBe(true);
    expect(c.events.at(-1)!.kind).toBe('CANCELLED');
    // The default stream saw the first run fail and was still open for the retry's events.
    const o = await Promise.race([open.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 200))]);
    expect(o).toBe('open');
  });

  it('refuses a malformed cursor and after together with afterSeq, naming the argument', async () => {
    const id = await create();
    for (const [vars, argument] of [
      [{ after: 'not-a-cursor' }, 'after'],
      [{ after: '3', afterSeq: 2 }, 'after'],
    ] as const) {
      const c = wsClient(t.url!, t.key);
      const it = c.iterate({ query: WATCH, variables: { id, ...vars } });
      const r = await it.next();
      expect(r.value.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      await c.dispose();
    }
  });
});
