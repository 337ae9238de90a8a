import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { FakeBehaviour, FakeOpenAI, FakeRequest } from '../support/fake-openai.ts';
import { type BatonProcess, sleep, until } from '../support/processes.ts';
import { promptText, taskOf } from '../support/prompt.ts';

/**
 * Issue #14's acceptance flow against Baton child processes: decisions over GraphQL to a
 * process, model calls counted by the fake server the running process talks to.
 */

/** Numbers the calls of each task: `output of <request>/<key> #<n>`. */
export function numberedAnswers() {
  const calls = new Map<string, number>();
  return (req: FakeRequest): FakeBehaviour => {
    const task = taskOf(req.body);
    const id = task ? `${task.request}/${task.key}` : '?';
    const n = (calls.get(id) ?? 0) + 1;
    calls.set(id, n);
    return { content: `output of ${id} #${n}`, delayMs: 20 };
  };
}

type Result = { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** A GraphQL request to a child process (AUTH=off), on the URL its start line printed. */
export async function gqlTo(p: BatonProcess, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  const url = await until(() => /GraphQL at (\S+)/.exec(p.output())?.[1], `${p.name}'s URL`, 10_000);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as Result;
}

async function dataOf(p: BatonProcess, query: string, variables: Record<string, unknown> = {}) {
  const r = await gqlTo(p, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}\n${p.output()}`);
  return r.data;
}

export interface FlowOptions {
  /** The process the decisions go to (it may change after the restart). */
  api: () => BatonProcess;
  /** The fake server the process running the tasks calls. */
  fake: FakeOpenAI;
  /** kill -9 and restart, between approving 3 and approving 1. */
  restart: () => Promise<void>;
}

/**
 * 1 BEFORE_RUN, 2 AFTER_RUN <- 1, 3 BEFORE_RUN, 4 <- 2,3: holds with no model call, approve 3
 * runs 3 alone, kill -9 and restart, 1 still awaits, approve 1 runs 1 then 2 awaits review
 * while 4 waits, requestChanges reaches the model with the feedback and 2's first output,
 * approve 2 runs 4, COMPLETED.
 */
export async function approvalsFlow({ api, fake, restart }: FlowOptions): Promise<void> {
  const request = `approvals ${randomUUID().slice(0, 8)}`;
  const callsFor = (key: string) => fake.requests.filter((r) => taskOf(r.body)?.request === request && taskOf(r.body)?.key === key);
  const keysCalled = () =>
    fake.requests
      .map((r) => taskOf(r.body))
      .filter((t) => t?.request === request)
      .map((t) => t!.key);
  const TASKS = 'tasks { id key status approval output }';
  const created = (
    await dataOf(api(), `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id ${TASKS} } }`, {
      input: {
        description: request,
        tasks: [
          { key: '1', agent: 'backend', description: 'Create the User model', approval: 'BEFORE_RUN' },
          { key: '2', agent: 'backend', description: 'Registration endpoint', dependsOn: ['1'], approval: 'AFTER_RUN' },
          { key: '3', agent: 'frontend', description: 'Login form', approval: 'BEFORE_RUN' },
          { key: '4', agent: 'qa', description: 'Tests', dependsOn: ['2', '3'] },
        ],
      },
    })
  ).createWorkflow as { id: string; tasks: Array<{ id: string; key: string; approval: string }> };
  expect(created.tasks.map((t) => t.approval)).toEqual(['BEFORE_RUN', 'AFTER_RUN', 'BEFORE_RUN', 'NONE']);
  const id = (key: string) => created.tasks.find((t) => t.key === key)!.id;
  const workflow = async () =>
    (await dataOf(api(), `query($id: ID!) { workflow(id: $id) { status error ${TASKS} } }`, { id: created.id })).workflow as {
      status: string;
      error: string | null;
      tasks: Array<{ key: string; status: string; output: string | null }>;
    };
  const statuses = async () => Object.fromEntries((await workflow()).tasks.map((t) => [t.key, t.status]));
  const reach = (want: Record<string, string>, what: string) =>
    until(
      async () => {
        const s = await statuses();
        return Object.entries(want).every(([k, v]) => s[k] === v) ? s : null;
      },
      what,
      60_000,
      50,
    );
  const decide = async (mutation: string, variables: Record<string, unknown>) => {
    const r = await gqlTo(api(), mutation, variables);
    expect(r.errors, api().output()).toBeUndefined();
    return r.data;
  };
  const approve = (key: string, comment?: string) => decide('mutation($id: ID!, $c: String) { approveTask(id: $id, comment: $c) { id status } }', { id: id(key), c: comment });

  await dataOf(api(), 'mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id: created.id });

  // After the start 1 and 3 both await approval, and no model is called.
  await reach({ '1': 'AWAITING_APPROVAL', '3': 'AWAITING_APPROVAL' }, '1 and 3 to await approval');
  await sleep(500);
  expect(await statuses()).toEqual({ '1': 'AWAITING_APPROVAL', '2': 'PENDING', '3': 'AWAITING_APPROVAL', '4': 'PENDING' });
  expect(keysCalled()).toEqual([]);

  // Approving 3 runs 3 alone.
  await approve('3', 'looks right');
  await reach({ '3': 'COMPLETED' }, '3 to complete');
  await sleep(300);
  expect(await statuses()).toEqual({ '1': 'AWAITING_APPROVAL', '2': 'PENDING', '3': 'COMPLETED', '4': 'PENDING' });
  expect(keysCalled()).toEqual(['3']);

  // kill -9 and restart: 1 still awaits, nothing ran meanwhile, and approving it works.
  await restart();
  await sleep(500);
  expect(await statuses()).toEqual({ '1': 'AWAITING_APPROVAL', '2': 'PENDING', '3': 'COMPLETED', '4': 'PENDING' });
  expect(keysCalled()).toEqual(['3']);
  await approve('1');

  // 1 runs, then 2, whose output then awaits review while 4 waits.
  await reach({ '1': 'COMPLETED', '2': 'AWAITING_REVIEW' }, '1 to complete and 2 to await review');
  await sleep(500);
  expect((await statuses())['4']).toBe('PENDING');
  expect(keysCalled()).toEqual(['3', '1', '2']);
  const firstOutput = (await workflow()).tasks.find((t) => t.key === '2')!.output;
  expect(firstOutput).toBe(`output of ${request}/2 #1`);

  // requestChanges: the fake server sees a second call for 2 with the feedback and 2's first output.
  const feedback = `Use argon2, not bcrypt ${randomUUID().slice(0, 6)}`;
  await decide('mutation($id: ID!, $f: String!) { requestChanges(id: $id, feedback: $f) { id status } }', { id: id('2'), f: feedback });
  await until(() => callsFor('2').length >= 2, 'the second call for 2', 60_000);
  await reach({ '2': 'AWAITING_REVIEW' }, '2 to await review again');
  expect(callsFor('2')).toHaveLength(2);
  const second = promptText(callsFor('2')[1]!.body);
  expect(second).toContain(feedback);
  expect(second).toContain(firstOutput);
  expect(promptText(callsFor('2')[0]!.body)).not.toContain(feedback);
  await sleep(300);
  expect((await statuses())['4']).toBe('PENDING');
  expect(callsFor('4')).toHaveLength(0);

  // Approving 2 runs 4; the workflow completes, each task called once (2 twice).
  await approve('2', 'good now');
  const done = await until(
    async () => {
      const w = await workflow();
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(w.status) ? w : null;
    },
    'the workflow to finish',
    60_000,
    100,
  );
  expect(done.status, done.error ?? '').toBe('COMPLETED');
  expect(done.tasks.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
  expect(keysCalled()).toEqual(['3', '1', '2', '2', '4']);
}
