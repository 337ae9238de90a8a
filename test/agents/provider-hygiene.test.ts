import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';

const OPENAI_KEY = 'sk-openai-secret-1';
const ANTHROPIC_KEY = 'sk-ant-secret-2';

/** Every header value a server received, joined (a key may come as a bearer token or x-api-key). */
const headerText = (f: FakeOpenAI) => f.received.map((r) => JSON.stringify(r.headers)).join('\n');

describe('provider hygiene against local fake providers', () => {
  let t: TestApp | undefined;
  const fakes: FakeOpenAI[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  const fake = async (...a: Parameters<typeof startFakeOpenAI>) => {
    const f = await startFakeOpenAI(...a);
    fakes.push(f);
    return f;
  };

  it('honours Retry-After: 2 on a 429, retrying no sooner than 2 s later', async () => {
    const openai = await fake([{ status: 429, message: 'slow down', headers: { 'retry-after': '2' } }]);
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: OPENAI_KEY, RETRY_BASE_MS: '10', RETRY_MAX_MS: '5000' });
    const id = await t.app.services.workflows.create('default', { description: 'rate limited', tasks: [{ key: '1', agent: 'backend', description: 'd' }] });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const [first, second] = openai.requests;
    expect(openai.requests).toHaveLength(2);
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(2000);
    const retrying = (await t.app.services.workflows.eventsAfter('default', id, 0)).find((e) => e.kind === 'task_retrying');
    expect(retrying?.payload).toMatchObject({ delayMs: 2000, error: 'openai 429: slow down' });
  });

  it('caps what Retry-After asks for at RETRY_MAX_MS', async () => {
    const openai = await fake([{ status: 503, message: 'busy', headers: { 'retry-after': '3600' } }]);
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: OPENAI_KEY, RETRY_BASE_MS: '10', RETRY_MAX_MS: '300' });
    const id = await t.app.services.workflows.create('default', { description: 'busy', tasks: [{ key: '1', agent: 'backend', description: 'd' }] });
    await t.app.services.workflows.start('default', id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const retrying = (await t.app.services.workflows.eventsAfter('default', id, 0)).find((e) => e.kind === 'task_retrying');
    expect(retrying?.payload).toMatchObject({ delayMs: 300 });
  });

  it('sends each key to its own provider only: the Anthropic and OpenAI keys never reach LLM_BASE_URL', async () => {
    const compatible = await fake(); // LLM_BASE_URL: the default model's endpoint
    const anthropic = await fake(); // ANTHROPIC_BASE_URL (it answers 404 to /v1/messages: the task fails, the key is what counts)
    t = await startTestApp({
      LLM_MODEL: 'openai-compatible:local-model',
      LLM_BASE_URL: compatible.url,
      ANTHROPIC_BASE_URL: anthropic.url.replace(/\/v1$/, ''),
      OPENAI_API_KEY: OPENAI_KEY,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      TASK_MAX_ATTEMPTS: '1',
    });
    await t.app.services.agents.update('default', 'backend', { model: 'anthropic:claude-3-5-haiku-latest' });
    const id = await t.app.services.workflows.create('default', {
      description: 'keys',
      tasks: [
        { key: '1', agent: 'backend', description: 'on anthropic' },
        { key: '2', agent: 'frontend', description: 'on the compatible endpoint' },
      ],
    });
    await t.app.services.workflows.start('default', id);
    await waitForStatus(t.app, id, ['COMPLETED', 'FAILED']);
    // The compatible endpoint ran task 2 (and only task 2), with no provider's key.
    expect(compatible.requests.map((r) => taskOf(r.body)?.key)).toEqual(['2']);
    expect(headerText(compatible)).not.toContain(ANTHROPIC_KEY);
    expect(headerText(compatible)).not.toContain(OPENAI_KEY);
    // The Anthropic key went to the Anthropic endpoint.
    expect(anthropic.received.length).toBeGreaterThan(0);
    expect(anthropic.received.every((r) => r.headers['x-api-key'] === ANTHROPIC_KEY)).toBe(true);
    expect(headerText(anthropic)).not.toContain(OPENAI_KEY);
  });

  it('refuses a bad LLM_MODEL at start, naming the variable', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    expect(() => loadConfig({ LLM_MODEL: 'mystery:model' })).toThrow(/LLM_MODEL="mystery:model" is invalid: expected "offline" or "provider:model"/);
    expect(() => loadConfig({ LLM_MODEL: 'openai:gpt 4' })).toThrow(/LLM_MODEL/);
    expect(loadConfig({ LLM_MODEL: 'anthropic:claude-3-5-haiku-latest' }).llmModel).toBe('anthropic:claude-3-5-haiku-latest');
  });
});
