import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';
import { until } from '../support/processes.ts';
import { taskOf } from '../support/prompt.ts';
import { scriptedModels } from '../support/scripted-model.ts';
import { createTestDatabase, serviceAvailable, testDialect } from '../support/services.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const FFFD = '\uFFFD';

type Fetch = TestApp['fetch'];
async function gql(fetch: Fetch, query: string, variables?: Record<string, unknown>) {
  const res = await fetch('http://baton.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function rowCounts(t: TestApp) {
  return { agents: await t.app.agents.count(), ...(await t.app.engine.store.counts()) };
}

/** Raw SQL: a trigger makes a store that fails for good, which no API can. Makes the database refuse any output or plan containing POISON: a store that fails for good, on either dialect. */
async function poison(t: TestApp) {
  const knex = t.app.services.db.knex;
  if (testDialect === 'sqlite') {
    await knex.raw(`CREATE TRIGGER poison_output BEFORE UPDATE OF output ON tasks WHEN NEW.output LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`);
    await knex.raw(`CREATE TRIGGER poison_plan BEFORE UPDATE OF plan ON workflows WHEN NEW.plan LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`);
  } else {
    await knex.raw(`CREATE OR REPLACE FUNCTION poisoned() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'poisoned'; END $$ LANGUAGE plpgsql`);
    await knex.raw(`CREATE TRIGGER poison_output BEFORE UPDATE ON tasks FOR EACH ROW WHEN (NEW.output LIKE '%POISON%') EXECUTE FUNCTION poisoned()`);
    await knex.raw(`CREATE TRIGGER poison_plan BEFORE UPDATE ON workflows FOR EACH ROW WHEN (NEW.plan LIKE '%POISON%') EXECUTE FUNCTION poisoned()`);
  }
}

const isTask = (r: FakeRequest) => taskOf(r.body) !== null;
const structured = (r: FakeRequest) => Boolean(r.body.response_format || r.body.tools);

describe.runIf(runs)(`unstorable text in inputs on ${testDialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { models: scriptedModels({ delayMs: () => 600_000 }).factory });
  });
  afterAll(async () => t?.close());

  const CREATE = 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }';
  const ok = { description: 'fine', tasks: [{ key: '1', agent: 'backend', description: 'fine' }] };
  const REFUSED: Array<[string, string, Record<string, unknown> | undefined]> = [
    ['a NUL in a variable', CREATE, { input: { ...ok, description: 'a\u0000b' } }],
    ['a lone high surrogate in a nested variable', CREATE, { input: { ...ok, tasks: [{ key: '1', agent: 'backend', description: 'x\uD800y' }] } }],
    ['a lone low surrogate in a variable', 'mutation($r: String!) { planWorkflow(input: {request: $r}) { id } }', { r: '\uDC00' }],
    ['an escaped NUL in a string literal', String.raw`mutation { planWorkflow(input: {request: "a\u0000b"}) { id } }`, undefined],
    ['an escaped lone surrogate in a string literal', String.raw`mutation { planWorkflow(input: {request: "a\uD800b"}) { id } }`, undefined],
    ['a raw NUL in the operation text', 'mutation { planWorkflow(input: {request: "a\u0000b"}) { id } }', undefined],
    ['a NUL in an agent prompt', 'mutation { createAgent(input: {name: "nul", role: "r", systemPrompt: "p\\u0000"}) { name } }', undefined],
    ['a NUL in a query argument', String.raw`{ workflow(id: "Workflow:\u0000") { id } }`, undefined],
  ];

  it.each(REFUSED)('refuses %s with BAD_USER_INPUT, writing nothing', async (_what, query, variables) => {
    const before = await rowCounts(t);
    const r = await gql(t.fetch, query, variables);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/NUL characters or unpaired UTF-16 surrogates/);
    expect(await rowCounts(t)).toEqual(before);
  });

  it('accepts well-formed text, emoji included', async () => {
    const r = await gql(t.fetch, CREATE, { input: { ...ok, description: 'fine \uD83D\uDE00' } });
    expect(r.errors).toBeUndefined();
  });

  it('refuses the same in direct service calls', async () => {
    const before = await rowCounts(t);
    await expect(t.app.services.workflows.create('default', { ...ok, description: 'a\u0000' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(t.app.services.workflows.plan('default', { request: '\uD800' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(t.app.services.agents.update('default', 'backend', { role: 'r\u0000' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await rowCounts(t)).toEqual(before);
  });

  it.each([
    ['an unknown provider', 'mystery:model-1', /unknown model provider "mystery"/],
    ['no provider', 'gpt-4o', /has no provider/],
    ['no model name', 'openai:', /not a model name/],
    ['a model name with spaces', 'openai:gpt 4o', /not a model name/],
  ])('refuses an agent model with %s', async (_what, model, message) => {
    const before = await rowCounts(t);
    for (const r of [
      await gql(t.fetch, 'mutation($m: String) { createAgent(input: {name: "m1", role: "r", model: $m}) { name } }', { m: model }),
      await gql(t.fetch, 'mutation($m: String) { updateAgent(name: "backend", input: {model: $m}) { name } }', { m: model }),
    ]) {
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toMatch(message);
    }
    expect(await rowCounts(t)).toEqual(before);
    expect((await t.app.agents.get('default', 'backend'))!.model).toBeNull();
  });

  it('accepts a known provider and model name', async () => {
    const r = await gql(t.fetch, 'mutation { createAgent(input: {name: "m2", role: "r", model: "ollama:llama3.2:1b"}) { name model } }');
    expect(r.errors).toBeUndefined();
    expect(r.data!.createAgent.model).toBe('ollama:llama3.2:1b');
  });
});

describe.runIf(runs)(`unstorable text in a model's answer on ${testDialect}`, () => {
  let t: TestApp | undefined;
  let fake: FakeOpenAI | undefined;
  let rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  beforeAll(() => void process.on('unhandledRejection', onRejection));
  afterAll(() => void process.off('unhandledRejection', onRejection));
  afterEach(async () => {
    await t?.close();
    await fake?.close();
    t = fake = undefined;
    expect(rejections).toEqual([]);
    rejections = [];
  });
  const llm = () => ({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake!.url, OPENAI_API_KEY: 'k', TASK_MAX_ATTEMPTS: '3' });
  /** The orchestrator refuses structured output, then answers `plan`; every task answers `answer`. */
  const provider = (plan: string, answer: string) => (r: FakeRequest) =>
    isTask(r) ? { content: answer } : structured(r) ? { status: 400, message: 'response_format is not supported' } : { content: plan };

  it('stores a plan and a task answer containing NUL and unpaired surrogates with U+FFFD, calling the task model once', async () => {
    fake = await startFakeOpenAI(provider('Task 1: @backend - Build\u0000 the API \uD800', 'answer\u0000 with NUL \uDC00 and \uD83D\uDE00'));
    t = await startTestApp(llm());
    const id = await t.app.services.workflows.plan('default', { request: 'Build an API', autoStart: true });
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const wf = (await t.app.engine.store.outcome(id))!;
    expect(wf.plan).toBe(`Task 1: @backend - Build${FFFD} the API ${FFFD}`);
    const [task] = await t.app.engine.store.tasks(id);
    expect(task!.description).toBe(`Build${FFFD} the API ${FFFD}`);
    expect(task!.output).toBe(`answer${FFFD} with NUL ${FFFD} and \uD83D\uDE00`);
    expect(task!.attempts).toBe(1);
    expect(fake.requests.filter(isTask)).toHaveLength(1);
    const events = await t.app.services.workflows.eventsAfter('default', id, 0);
    expect(JSON.stringify(events)).not.toMatch(/\\u0000|\\ud800|\\udc00/i);
  });

  it('fails a task whose output cannot be stored after TASK_MAX_ATTEMPTS tries, with one model call, and stops', async () => {
    fake = await startFakeOpenAI(provider('Task 1: @backend - one\nTask 2: @qa - two (depends on Task 1)', 'POISON output'));
    t = await startTestApp(llm());
    await poison(t);
    const id = await t.app.services.workflows.plan('default', { request: 'poisoned', autoStart: true });
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    const tasks = await t.app.engine.store.tasks(id);
    expect(tasks.map((r) => [r.key, r.status, r.attempts])).toEqual([
      ['1', 'FAILED', 3],
      ['2', 'SKIPPED', 0],
    ]);
    expect(tasks[0]!.error).toMatch(/^the output could not be stored \(\w+\)$/);
    expect(tasks[0]!.error).not.toContain('POISON');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests.filter(isTask)).toHaveLength(1);
  });

  it('fails a task claimed past its last attempt without calling its model', async () => {
    const models = scriptedModels();
    t = await startTestApp({ TASK_MAX_ATTEMPTS: '2' }, { models: models.factory });
    const id = await t.app.services.workflows.create('default', { description: 'spent', tasks: [{ key: '1', agent: 'backend', description: 'd' }] });
    // Raw write: as after two runs that each died before storing an outcome, which no API can make.
    await t.app.services.db.knex('tasks').where({ workflow_id: id }).update({ attempts: 2 });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    const [row] = await t.app.engine.store.tasks(id);
    expect(row!.error).toBe('gave up after 2 attempt(s): none of them stored an outcome');
    expect(models.calls).toHaveLength(0);
  });

  it('ends planning FAILED when the plan cannot be stored, and a restart of the embedded process resumes planning cleanly', async () => {
    let answer: 'hang' | 'answer' = 'hang';
    fake = await startFakeOpenAI((r) =>
      isTask(r)
        ? { content: 'done' }
        : structured(r)
          ? { status: 400, message: 'no structured output' }
          : answer === 'hang'
            ? { hang: true }
            : { content: String(r.body.messages.at(-1).content).includes('poisoned') ? 'Task 1: @backend - POISON\u0000' : 'Task 1: @backend - nul\u0000 here' },
    );
    const db = await createTestDatabase();
    try {
      // First run: two plans are in progress when the process stops.
      t = await startTestApp(llm(), {}, db);
      await poison(t);
      const nul = await t.app.services.workflows.plan('default', { request: 'with a NUL' });
      const bad = await t.app.services.workflows.plan('default', { request: 'poisoned plan' });
      await until(() => fake!.requests.filter((r) => !isTask(r) && !structured(r)).length === 2, 'both plans asked for', 10_000, 5);
      await t.app.stop();
      t = undefined;
      // Second run on the same database: resumed at start, both end cleanly.
      answer = 'answer';
      t = await startTestApp(llm(), {}, db);
      expect(await waitForStatus(t.app, nul, ['PLANNED', 'FAILED'])).toBe('PLANNED');
      expect(await waitForStatus(t.app, bad, ['PLANNED', 'FAILED'])).toBe('FAILED');
      const store = t.app.engine.store;
      const byId = new Map(await Promise.all([nul, bad].map(async (id) => [id, (await store.outcome(id))!] as const)));
      expect(byId.get(nul)!.plan).toBe(`Task 1: @backend - nul${FFFD} here`);
      expect(byId.get(bad)!.error).toMatch(/^the plan could not be stored \(\w+\)$/);
      expect(byId.get(bad)!.plan).toBeNull();
      await t.app.stop();
      t = undefined;
      // Third run: nothing left to resume; it starts and answers.
      t = await startTestApp(llm(), {}, db);
      expect(await t.app.engine.store.status(bad)).toBe('FAILED');
    } finally {
      await t?.app.stop();
      t = undefined;
      await db.drop();
    }
  });
});
