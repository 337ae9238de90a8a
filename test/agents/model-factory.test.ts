import { describe, expect, it } from 'vitest';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BadUserInputError } from '../../src/errors.js';
import { OfflineChatModel } from '../../src/agents/offline-model.js';
import { classifyModelError, createModelFactory, parseModelString, supportsStructuredOutput } from '../../src/agents/model-factory.js';

const keys = { openai: 'sk-test-dummy', anthropic: 'sk-ant-test-dummy' };
// Provider clients keep these fields; reading them checks what the factory passed without a call.
type Inspectable = BaseChatModel & Record<string, unknown> & { caller: { maxRetries: number } };
const inspect = (m: BaseChatModel) => m as Inspectable;

describe('createModelFactory', () => {
  it('builds the offline model, orchestrator persona only for the orchestrator', async () => {
    const factory = createModelFactory({ llmModel: 'offline' });
    const orchestrator = await factory({ agentName: 'orchestrator' });
    const backend = await factory({ agentName: 'backend' });
    expect(orchestrator).toBeInstanceOf(OfflineChatModel);
    expect((orchestrator as OfflineChatModel).persona).toBe('orchestrator');
    expect((backend as OfflineChatModel).persona).toBe('specialist');
    expect(supportsStructuredOutput(orchestrator)).toBe(false);
    expect(await factory({ agentName: 'qa', model: 'offline:whatever' })).toBeInstanceOf(OfflineChatModel);
  });

  it('caches per model, temperature, max tokens and persona', async () => {
    const factory = createModelFactory({ llmModel: 'offline' });
    const a = await factory({ agentName: 'backend' });
    expect(await factory({ agentName: 'frontend' })).toBe(a);
    expect(await factory({ agentName: 'backend', temperature: 0.2 })).not.toBe(a);
    expect(await factory({ agentName: 'backend', maxTokens: 100 })).not.toBe(a);
    expect(await factory({ agentName: 'orchestrator' })).not.toBe(a);
  });

  it('lets a per-agent model override the configured one', async () => {
    const factory = createModelFactory({ llmModel: 'offline', apiKeys: keys });
    const model = await factory({ agentName: 'backend', model: 'openai:gpt-4o-mini', temperature: 0.3, maxTokens: 512 });
    expect(model._llmType()).toBe('openai');
    expect(model.constructor.name).toBe('ChatOpenAI');
    expect(inspect(model)).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.3, maxTokens: 512, streaming: false });
    expect(inspect(model).caller.maxRetries).toBe(0);
    expect(supportsStructuredOutput(model)).toBe(true);
  });

  it('points openai-compatible at LLM_BASE_URL without the OpenAI key, and OpenAI at its own base URL', async () => {
    const baseUrls = { 'openai-compatible': 'http://127.0.0.1:9/v1', openai: 'http://127.0.0.1:8/v1' };
    const factory = createModelFactory({ llmModel: 'openai-compatible:llama3', baseUrls, apiKeys: keys });
    const model = await factory({ agentName: 'backend' });
    expect(model._llmType()).toBe('openai');
    expect(inspect(model)).toMatchObject({ model: 'llama3', clientConfig: expect.objectContaining({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'not-needed' }) });
    const withKey = createModelFactory({ llmModel: 'openai-compatible:llama3', baseUrls, apiKeys: { ...keys, 'openai-compatible': 'llm-key' } });
    expect(inspect(await withKey({ agentName: 'qa' }))).toMatchObject({ clientConfig: expect.objectContaining({ apiKey: 'llm-key' }) });
    const openai = inspect(await factory({ agentName: 'qa', model: 'openai:gpt-4o-mini' }));
    expect(openai).toMatchObject({ clientConfig: expect.objectContaining({ baseURL: 'http://127.0.0.1:8/v1', apiKey: keys.openai }) });
  });

  it('never sends a provider key to LLM_BASE_URL: each provider has its own base URL', async () => {
    const factory = createModelFactory({ llmModel: 'offline', baseUrls: { 'openai-compatible': 'http://127.0.0.1:9/v1' }, apiKeys: keys });
    const claude = inspect(await factory({ agentName: 'qa', model: 'anthropic:claude-3-5-haiku-latest' }));
    expect(claude.apiUrl).not.toBe('http://127.0.0.1:9/v1');
    const openai = inspect(await factory({ agentName: 'qa', model: 'openai:gpt-4o-mini' }));
    expect((openai.clientConfig as { baseURL?: string }).baseURL).not.toBe('http://127.0.0.1:9/v1');
  });

  it('builds Anthropic and Ollama clients with the base URL and no client retries', async () => {
    const factory = createModelFactory({ llmModel: 'anthropic:claude-3-5-haiku-latest', baseUrls: { anthropic: 'http://127.0.0.1:9' }, apiKeys: keys });
    const claude = inspect(await factory({ agentName: 'backend', maxTokens: 256 }));
    expect(claude._llmType()).toBe('anthropic');
    expect(claude).toMatchObject({ model: 'claude-3-5-haiku-latest', apiUrl: 'http://127.0.0.1:9', maxTokens: 256 });
    expect(claude.caller.maxRetries).toBe(0);
    expect(supportsStructuredOutput(claude)).toBe(true);

    const ollama = inspect(await createModelFactory({ llmModel: 'ollama:llama3.2', baseUrls: { ollama: 'http://127.0.0.1:9' } })({ agentName: 'qa' }));
    expect(ollama._llmType()).toBe('ollama');
    expect(ollama).toMatchObject({ model: 'llama3.2', baseUrl: 'http://127.0.0.1:9' });
    expect(supportsStructuredOutput(ollama)).toBe(true);
  });

  it('rejects a malformed or unknown model with BadUserInputError', async () => {
    expect(() => createModelFactory({ llmModel: 'gpt-4o' })).toThrow(BadUserInputError);
    expect(() => createModelFactory({ llmModel: 'gpt-4o' })).toThrow(/provider:model.*"gpt-4o" has no provider/);
    expect(() => createModelFactory({ llmModel: 'mystery:model-1' })).toThrow(/unknown model provider "mystery"/);
    const factory = createModelFactory({ llmModel: 'offline' });
    await expect(factory({ agentName: 'qa', model: 'openai:' })).rejects.toThrow(BadUserInputError);
    await expect(factory({ agentName: 'qa', model: 'openai:gpt 4' })).rejects.toThrow(/not a model name/);
    await expect(factory({ agentName: 'qa', model: 'openai-compatible:x' })).rejects.toThrow(/LLM_BASE_URL/);
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      await expect(factory({ agentName: 'qa', model: 'anthropic:claude-3-5-haiku-latest' })).rejects.toThrow(/cannot create model "anthropic:claude-3-5-haiku-latest": .*API key/);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it('parses model strings', () => {
    expect(parseModelString(' openai:gpt-4o-mini ')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(parseModelString('ollama:llama3.2:1b')).toEqual({ provider: 'ollama', model: 'llama3.2:1b' });
    expect(parseModelString('offline')).toEqual({ provider: 'offline', model: 'offline' });
  });
});

const withProps = (message: string, props: Record<string, unknown>) => Object.assign(new Error(message), props);

describe('classifyModelError', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [408, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
  ])('HTTP %i -> retryable %s', (status, retryable) => {
    const err = withProps(`${status} provider says no`, { status, headers: {} });
    expect(classifyModelError(err)).toEqual({ retryable, status, message: `openai ${status}: provider says no` });
  });

  it.each([
    withProps('read ECONNRESET', { code: 'ECONNRESET' }),
    withProps('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }),
    withProps('boom', { code: 'ETIMEDOUT' }),
    withProps('socket hang up', { code: 'ECONNRESET' }),
    new TypeError('fetch failed', { cause: withProps('other side closed', { code: 'UND_ERR_SOCKET' }) }),
    withProps('Connection error.', { name: 'APIConnectionError' }),
    withProps('Request timed out.', { name: 'APIConnectionTimeoutError' }),
    new DOMException('The operation timed out.', 'TimeoutError'),
  ])('connection trouble is retryable: %s', (err) => {
    expect(classifyModelError(err).retryable).toBe(true);
  });

  it('does not retry a cancel', () => {
    expect(classifyModelError(new DOMException('This operation was aborted', 'AbortError')).retryable).toBe(false);
    expect(classifyModelError(withProps('Request was aborted.', { name: 'AbortError' })).retryable).toBe(false);
  });

  it('names the root cause of a connection error', () => {
    const err = withProps('Connection error.', { name: 'APIConnectionError', cause: withProps('fetch failed', { code: 'ECONNREFUSED' }) });
    expect(classifyModelError(err, 'openai').message).toBe('openai: Connection error. (ECONNREFUSED)');
  });

  it('reads Anthropic and Ollama error shapes', () => {
    const anthropic = withProps('529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', {
      status: 529,
      workspaceID: undefined,
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    expect(classifyModelError(anthropic)).toEqual({ retryable: true, status: 529, message: 'anthropic 529: Overloaded' });
    const ollama = withProps('model "x" not found', { name: 'ResponseError', status_code: 404, error: 'model "x" not found' });
    expect(classifyModelError(ollama)).toEqual({ retryable: false, status: 404, message: 'ollama 404: model "x" not found' });
  });

  it('copes with non-errors', () => {
    expect(classifyModelError('weird')).toEqual({ retryable: false, message: 'model: weird' });
  });
});
