import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { initChatModel } from 'langchain/chat_models/universal';
import { BadUserInputError } from '../errors.js';
import { OfflineChatModel, type OfflinePersona } from './offline-model.js';
import { MODEL_FORMAT, type ParsedModel, type Provider, parseModel } from './providers.ts';

export interface ModelSpec {
  agentName: string;
  /** Per-agent override of the configured model, `provider:model` or `offline`. */
  model?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
}

export type ModelFactory = (spec: ModelSpec) => Promise<BaseChatModel>;

export interface ModelFactoryConfig {
  /** `offline`, `offline:anything`, or `provider:model` (see PROVIDERS). */
  llmModel: string;
  /**
   * Each provider's endpoint; a provider without one uses its client's default. A provider's key is
   * sent to its own endpoint only: `openai-compatible` (LLM_BASE_URL) never gets the OpenAI key.
   */
  baseUrls?: Partial<Record<Provider, string | undefined>>;
  /** Keys by provider name; a missing key leaves the client to read its usual env var (openai-compatible: none). */
  apiKeys?: Partial<Record<Provider, string | undefined>>;
  /** Pause between the offline model's streamed chunks (0 in tests; a readable pace for a demo). */
  offlineTokenDelayMs?: number;
}

export type { ParsedModel };

/** Parses `provider:model`; throws BadUserInputError naming what was expected and what came. */
export function parseModelString(value: string): ParsedModel {
  const r = parseModel(value);
  if (!r.ok) throw new BadUserInputError(`model: expected ${MODEL_FORMAT}; ${r.reason}`, { field: 'model' });
  return r.parsed;
}

export function createModelFactory(cfg: ModelFactoryConfig): ModelFactory {
  // Validate the default up front so a bad LLM_MODEL fails at startup, not at the first task.
  parseModelString(cfg.llmModel);
  const cache = new Map<string, Promise<BaseChatModel>>();

  return async (spec) => {
    const modelString = spec.model?.trim() || cfg.llmModel;
    const parsed = parseModelString(modelString);
    const persona: OfflinePersona = spec.agentName === 'orchestrator' ? 'orchestrator' : 'specialist';
    const key = JSON.stringify([modelString, spec.temperature ?? null, spec.maxTokens ?? null, persona]);
    let model = cache.get(key);
    if (!model) {
      model = build(parsed, spec, persona, cfg);
      cache.set(key, model);
      // A failed construction must not poison the cache.
      model.catch(() => cache.delete(key));
    }
    return model;
  };
}

async function build(parsed: ParsedModel, spec: ModelSpec, persona: OfflinePersona, cfg: ModelFactoryConfig): Promise<BaseChatModel> {
  if (parsed.provider === 'offline') return new OfflineChatModel({ persona, tokenDelayMs: cfg.offlineTokenDelayMs });
  const provider = parsed.provider === 'openai-compatible' ? 'openai' : parsed.provider;
  const baseUrl = cfg.baseUrls?.[parsed.provider];
  if (parsed.provider === 'openai-compatible' && !baseUrl) {
    throw new BadUserInputError('an "openai-compatible:" model needs LLM_BASE_URL (the endpoint base URL)', {
      model: parsed.model,
    });
  }
  // Always an explicit key for openai-compatible: left to itself the OpenAI client would read
  // OPENAI_API_KEY and send it to LLM_BASE_URL. Self-hosted servers often need none, but the client insists.
  const apiKey = parsed.provider === 'openai-compatible' ? cfg.apiKeys?.['openai-compatible'] || 'not-needed' : cfg.apiKeys?.[parsed.provider];
  const params: Record<string, unknown> = {
    modelProvider: provider,
    // Baton retries with its own backoff; the client must not retry underneath it.
    maxRetries: 0,
    // Never `streaming: true`: ChatOpenAI then counts tokens with js-tiktoken, which downloads encodings.
  };
  // The provider's own usage on streamed answers (`stream_options.include_usage`), for budgets and costs.
  if (provider === 'openai') params.streamUsage = true;
  if (spec.temperature != null) params.temperature = spec.temperature;
  if (spec.maxTokens != null) params[provider === 'ollama' ? 'numPredict' : 'maxTokens'] = spec.maxTokens;
  if (apiKey && provider !== 'ollama') params.apiKey = apiKey;
  if (baseUrl) {
    if (provider === 'openai') params.configuration = { baseURL: baseUrl };
    else if (provider === 'anthropic') params.anthropicApiUrl = baseUrl;
    else params.baseUrl = baseUrl;
  }
  try {
    const configurable = await initChatModel(parsed.model, params);
    // initChatModel returns a ConfigurableModel wrapper; unwrap it so callers get the provider's own
    // class (its withStructuredOutput picks json_schema for OpenAI, and instanceof/_llmType work).
    return await configurable._getModelInstance();
  } catch (err) {
    // e.g. "Anthropic API key not found": a configuration problem, reported as such.
    const reason = err instanceof Error ? err.message : String(err);
    throw new BadUserInputError(`cannot create model "${parsed.provider}:${parsed.model}": ${reason}`, {
      provider: parsed.provider,
    });
  }
}

const STRUCTURED_OUTPUT_LLM_TYPES = new Set(['openai', 'anthropic', 'ollama']);

/** Whether the planner may ask this model for a plan through withStructuredOutput (tool calling / JSON schema). */
export function supportsStructuredOutput(model: BaseChatModel): boolean {
  if (model instanceof OfflineChatModel) return false;
  return STRUCTURED_OUTPUT_LLM_TYPES.has(model._llmType());
}

export { classifyModelError, type ModelErrorClass } from './error-class.ts';
