import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeBehaviour, type FakeOpenAI, type FakeRequest, startFakeOpenAI } from '../support/fake-openai.ts';

const PLANS: Record<string, { text: string; expected: Array<[string, string, string[]]> }> = {
  'Create a simple user profile page': {
    text: 'Here is the plan:\n\nTask 1: @backend - Create the profile API endpoint\nTask 2: @frontend - Build the ProfilePage component (depends on Task 1)\nTask 3: @qa - Write tests for the profile page (depends on Task 1, Task 2)\n',
    expected: [
      ['1', 'backend', []],
      ['2', 'frontend', ['1']],
      ['3', 'qa', ['1', '2']],
    ],
  },
  'Add dark mode and improve accessibility': {
    text: '**Plan**\n- Task 1: @frontend – Add a dark-mode toggle\n- Task 2: @frontend – Add ARIA labels and keyboard navigation\n- Task 3: @qa – Test dark mode across browsers (depends on Task 1)\n- Task 4: @qa – Accessibility audit with axe-core (depends on Task 2).',
    expected: [
      ['1', 'frontend', []],
      ['2', 'frontend', []],
      ['3', 'qa', ['1']],
      ['4', 'qa', ['2']],
    ],
  },
  'Build a complete authentication system with JWT tokens': {
    text: [
      'Task 1: @backend - Create User model',
      'Task 2: @backend - Registration endpoint with bcrypt (depends on Task 1)',
      'Task 3: @backend - Login endpoint with JWT (depends on Task 1)',
      'Task 4: @frontend - LoginForm component',
      'Task 5: @frontend - RegistrationForm component',
      'Task 6: @qa - Unit tests for auth endpoints (depends on Task 2, Task 3)',
      'Task 7: @qa - E2E tests for auth flows (depends on Task 4, Task 5, Task 6)',
      'Task 8: @devops - Deployment docs (depends on Task 7)',
    ].join('\r\n'),
    expected: [
      ['1', 'backend', []],
      ['2', 'backend', ['1']],
      ['3', 'backend', ['1']],
      ['4', 'frontend', []],
      ['5', 'frontend', []],
      ['6', 'qa', ['2', '3']],
      ['7', 'qa', ['4', '5', '6']],
      ['8', 'devops', ['7']],
    ],
  },
};

/** The request as the user sent it, without the delimiters the planner puts around it. */
const userText = (r: FakeRequest) => String(r.body.messages.at(-1).content).replace(/^<request nonce="([0-9a-f]+)">\n([\s\S]*)\n<\/request nonce="\1">$/, '$2');
const structured = (r: FakeRequest) => Boolean(r.body.response_format || r.body.tools);

async function tasksOf(t: TestApp, id: string) {
  return (await t.app.engine.store.tasks(id)).map((r) => [r.key, r.agent, r.dependsOn]);
}

describe('planning with a real OpenAI client against a local provider', () => {
  let server: FakeOpenAI;
  let t: TestApp;
  let script: (r: FakeRequest) => FakeBehaviour = () => ({ content: '' });
  beforeAll(async () => {
    server = await startFakeOpenAI((r) => script(r));
    t = await startTestApp({
      LLM_MODEL: 'openai:gpt-4o-mini',
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: 'test-key',
      PLAN_TIMEOUT_MS: '500',
      PLAN_MAX_ATTEMPTS: '3',
      ROLE: 'worker',
    });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const plan = async (request: string) => {
    const id = await t.app.services.workflows.plan('default', { request });
    const status = await waitForStatus(t.app, id, ['PLANNED', 'FAILED']);
    const { plan, error } = (await t.app.engine.store.outcome(id))!;
    return { id, status, plan, error };
  };

  it.each(Object.keys(PLANS))('text plan "%s" is stored exactly (structured output refused → text path)', async (request) => {
    script = (r) => (structured(r) ? { status: 400, message: 'response_format is not supported' } : { content: PLANS[userText(r)]!.text });
    const r = await plan(request);
    expect(String(r.error)).toBe('null');
    expect(r.status).toBe('PLANNED');
    expect(await tasksOf(t, r.id)).toEqual(PLANS[request]!.expected);
    expect(r.plan).toBe(PLANS[request]!.text);
  });

  it('a structured plan takes the same validation and is stored in the plan format', async () => {
    script = () => ({
      json: {
        tasks: [
          { number: 1, agent: '@backend', description: 'Profile API', dependsOn: [] },
          { number: 2, agent: 'frontend', description: 'ProfilePage', dependsOn: [1] },
        ],
      },
    });
    const r = await plan('Profile page, structured');
    expect(r.status).toBe('PLANNED');
    expect(await tasksOf(t, r.id)).toEqual([
      ['1', 'backend', []],
      ['2', 'frontend', ['1']],
    ]);
    expect(r.plan).toBe('Task 1: @backend - Profile API\nTask 2: @frontend - ProfilePage (depends on Task 1)');
  });

  it('429 twice then success reaches PLANNED', async () => {
    let n = 0;
    script = (r) =>
      structured(r)
        ? ++n <= 2
          ? { status: 429, message: 'slow down' }
          : { json: { tasks: [{ number: 1, agent: 'qa', description: 'Test it', dependsOn: [] }] } }
        : { content: '' };
    const before = server.requests.length;
    const r = await plan('Rate limited request');
    expect(r.status).toBe('PLANNED');
    expect(server.requests.length - before).toBe(3);
  });

  it('a persistent 500 reaches FAILED with the provider message', async () => {
    script = () => ({ status: 500, message: 'upstream exploded' });
    const r = await plan('Always failing');
    expect(r.status).toBe('FAILED');
    expect(r.error).toMatch(/after 3 attempt\(s\).*500.*upstream exploded/);
  });

  it('a provider that never answers reaches FAILED by timeout within the configured time', async () => {
    script = () => ({ hang: true });
    const started = Date.now();
    const r = await plan('Hanging provider');
    expect(r.status).toBe('FAILED');
    expect(r.error).toMatch(/no answer within 500 ms/);
    // 3 attempts of 500 ms plus short backoffs (RETRY_MAX_MS=50 in tests).
    expect(Date.now() - started).toBeLessThan(3 * 500 + 2 * 50 + 1500);
  });

  it('a malformed plan reaches FAILED with PLAN_INVALID naming the line', async () => {
    script = (r) => (structured(r) ? { status: 400, message: 'no' } : { content: 'Task 1: @backend - API\nTask 2: @wizard - Magic (depends on Task 1)' });
    const r = await plan('Malformed');
    expect(r.status).toBe('FAILED');
    expect(r.error).toMatch(/^PLAN_INVALID: .*wizard/);
    expect(r.error).toMatch(/line 2/);
  });
});

describe('agents are data', () => {
  it('the orchestrator prompt lists the active agents at planning time, and plans may use only active agents', async () => {
    const server = await startFakeOpenAI(() => ({ json: { tasks: [{ number: 1, agent: 'devops', description: 'Ship it', dependsOn: [] }] } }));
    const t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k', ROLE: 'worker' });
    try {
      const svc = t.app.services;
      await svc.agents.create('default', { name: '@seo-specialist', role: 'SEO specialist: metadata and sitemaps' });
      await svc.agents.deactivate('default', 'devops');
      const id = await svc.workflows.plan('default', { request: 'Ship the site' });
      expect(await waitForStatus(t.app, id, ['PLANNED', 'FAILED'])).toBe('FAILED');
      const system = String(server.requests.at(-1)!.body.messages[0].content);
      expect(system).toContain('- @seo-specialist: SEO specialist: metadata and sitemaps');
      expect(system).not.toContain('@devops');
      const wf = (await t.app.engine.store.outcome(id))!;
      expect(wf.error).toMatch(/^PLAN_INVALID: .*devops/);
      await expect(svc.workflows.create('default', { description: 'x', tasks: [{ key: '1', agent: 'devops', description: 'y' }] })).rejects.toMatchObject({ code: 'PLAN_INVALID' });
      await svc.agents.update('default', 'devops', { active: true });
      await expect(svc.workflows.create('default', { description: 'x', tasks: [{ key: '1', agent: '@DevOps', description: 'y' }] })).resolves.toBeTypeOf('string');
      await expect(svc.agents.create('default', { name: 'backend', role: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(svc.agents.update('default', 'nobody', { role: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(svc.agents.create('default', { name: 'bad name!', role: 'x' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    } finally {
      await t.close();
      await server.close();
    }
  });
});

describe('planning with no configuration (offline model)', () => {
  it('plans the JWT request into at least 4 tasks over 3 agents with a dependency', async () => {
    const t = await startTestApp({ ROLE: 'worker' });
    try {
      const id = await t.app.services.workflows.plan('default', { request: 'Build a complete authentication system with JWT tokens' });
      expect(await waitForStatus(t.app, id, ['PLANNED', 'FAILED'])).toBe('PLANNED');
      const tasks = await tasksOf(t, id);
      expect(tasks.length).toBeGreaterThanOrEqual(4);
      expect(new Set(tasks.map((x) => x[1])).size).toBeGreaterThanOrEqual(3);
      expect(tasks.some((x) => (x[2] as string[]).length > 0)).toBe(true);
      const kinds = (await t.app.services.workflows.eventsAfter('default', id, 0)).map((e) => e.kind);
      expect(kinds).toEqual(['created', 'planning', 'plan_ready']);
    } finally {
      await t.close();
    }
  });
});
