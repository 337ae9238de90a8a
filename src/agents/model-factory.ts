import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { initChatModel } from 'langchain/chat_models/universal';
import { BadUserInputError } from '../errors.js';
import { OfflineChatModel, type OfflinePersona } from './offline-model.js';

export interface ModelSpec {
  agentName: string;
  /** Per-agent override of the configured model, `provider:model` or `offline`. */
  model?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
}

export type ModelFactory = (spec: ModelSpec) => Promise<BaseChatModel>;

export interface ModelFactoryConfig {
  /** `offline`, `offline:anything`, or `provider:model` (openai, anthropic, ollama, openai-compatible). */
  llmModel: string;
  /** Base URL of an OpenAI-compatible (or self-hosted Anthropic/Ollama) endpoint. */
  llmBaseUrl?: string;
  /** Keys by provider name; a missing key leaves the client to read its usual env var. */
  apiKeys?: Record<string, string | undefined>;
  /** Pause between the offline model's streamed chunks (0 in tests; a readable pace for a demo). */
  offlineTokenDelayMs?: number;
}

const PROVIDERS = ['openai', 'anthropic', 'ollama', 'openai-compatible'] as const;
type Provider = (typeof PROVIDERS)[number];

export type ParsedModel = { provider: 'offline'; model: string } | { provider: Provider; model: string };

/** Parses `provider:model`; throws BadUserInputError naming what was expected and what came. */
export function parseModelString(value: string): ParsedModel {
  const spec = value.trim();
  if (spec === 'offline' || spec.startsWith('offline:')) return { provider: 'offline', model: spec };
  const m = /^([a-z][a-z0-9_-]*):(\S.*)$/i.exec(spec);
  if (!m) {
    throw new BadUserInputError(
      `model must look like "provider:model" (e.g. "openai:gpt-4o-mini") or "offline", but got "${value}"`,
      { model: value },
    );
  }
  const provider = m[1].toLowerCase();
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new BadUserInputError(
      `unknown model provider "${m[1]}" in "${value}"; supported: offline, ${PROVIDERS.join(', ')}`,
      { model: value, provider: m[1] },
    );
  }
  return { provider: provider as Provider, model: m[2].trim() };
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

async function build(
  parsed: ParsedModel,
  spec: ModelSpec,
  persona: OfflinePersona,
  cfg: ModelFactoryConfig,
): Promise<BaseChatModel> {
  if (parsed.provider === 'offline') return new OfflineChatModel({ persona, tokenDelayMs: cfg.offlineTokenDelayMs });
  const provider = parsed.provider === 'openai-compatible' ? 'openai' : parsed.provider;
  if (parsed.provider === 'openai-compatible' && !cfg.llmBaseUrl) {
    throw new BadUserInputError('an "openai-compatible:" model needs LLM_BASE_URL (the endpoint base URL)', {
      model: parsed.model,
    });
  }
  let apiKey = cfg.apiKeys?.[parsed.provider] ?? cfg.apiKeys?.[provider];
  // Self-hosted OpenAI-compatible servers often need no key, but the OpenAI client insists on one.
  if (parsed.provider === 'openai-compatible') apiKey ??= process.env.OPENAI_API_KEY || 'not-needed';
  const params: Record<string, unknown> = {
    modelProvider: provider,
    // Baton retries with its own backoff; the client must not retry underneath it.
    maxRetries: 0,
    // Never `streaming: true`: ChatOpenAI then counts tokens with js-tiktoken, which downloads encodings.
  };
  if (spec.temperature != null) params.temperature = spec.temperature;
  if (spec.maxTokens != null) params[provider === 'ollama' ? 'numPredict' : 'maxTokens'] = spec.maxTokens;
  if (apiKey && provider !== 'ollama') params.apiKey = apiKey;
  if (cfg.llmBaseUrl) {
    if (provider === 'openai') params.configuration = { baseURL: cfg.llmBaseUrl };
    else if (provider === 'anthropic') params.anthropicApiUrl = cfg.llmBaseUrl;
    else params.baseUrl = cfg.llmBaseUrl;
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

export interface ModelErrorClass {
  retryable: boolean;
  status?: number;
  message: string;
}

const CONNECTION_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
const CONNECTION_NAMES = new Set(['APIConnectionError', 'APIConnectionTimeoutError', 'TimeoutError', 'FetchError']);
const CONNECTION_TEXT = /socket hang up|fetch failed|connection error|network error|timed? ?out|other side closed|terminated/i;
const ABORT_NAMES = new Set(['AbortError', 'ModelAbortError', 'APIUserAbortError']);

type ErrorLike = {
  name?: unknown; message?: unknown; status?: unknown; statusCode?: unknown; status_code?: unknown;
  code?: unknown; cause?: unknown; error?: unknown; response?: { status?: unknown }; workspaceID?: unknown;
};

/**
 * Decides whether a failed model call is worth retrying, and writes a message that keeps the
 * provider's own words and the HTTP status (e.g. "openai 500: upstream exploded").
 * `provider` overrides the label guessed from the error's shape.
 */
export function classifyModelError(err: unknown, provider?: string): ModelErrorClass {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const status = statusOf(e);
  const label = provider ?? providerOf(e, status);
  const detail = providerMessage(e, status);
  const names = chain(e).flatMap((c) => [String(c.name ?? ''), c.constructor?.name ?? '']);
  if (status !== undefined) {
    const retryable = status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
    return { retryable, status, message: `${label} ${status}: ${detail}` };
  }
  // The root cause of a connection failure (e.g. ECONNREFUSED) says more than "Connection error.".
  const root = chain(e).at(-1)!;
  const why = root !== e ? (typeof root.code === 'string' ? root.code : String(root.message ?? '')) : '';
  const message = `${label}: ${detail}${why && !detail.includes(why) ? ` (${why})` : ''}`;
  if (names.some((n) => ABORT_NAMES.has(n))) return { retryable: false, message };
  const connection = chain(e).some(
    (c) =>
      (typeof c.code === 'string' && CONNECTION_CODES.has(c.code)) ||
      CONNECTION_NAMES.has(String(c.name)) ||
      CONNECTION_NAMES.has(c.constructor?.name ?? '') ||
      (typeof c.message === 'string' && CONNECTION_TEXT.test(c.message)),
  );
  // A model that answered with unparsable structured output may do better on a second try.
  const parse = names.includes('OutputParserException');
  return { retryable: connection || parse, message };
}

/** The error and its causes, outermost first (bounded, in case of a cycle). */
function chain(e: ErrorLike): Array<ErrorLike & { constructor?: { name?: string } }> {
  const out: ErrorLike[] = [];
  for (let c: unknown = e; typeof c === 'object' && c !== null && out.length < 5; c = (c as ErrorLike).cause) {
    out.push(c as ErrorLike);
  }
  return out as Array<ErrorLike & { constructor?: { name?: string } }>;
}

function statusOf(e: ErrorLike): number | undefined {
  for (const s of [e.status, e.statusCode, e.status_code, e.response?.status]) {
    if (typeof s === 'number' && s >= 100 && s < 600) return s;
  }
  return undefined;
}

function providerOf(e: ErrorLike, status: number | undefined): string {
  if ('workspaceID' in e) return 'anthropic';
  if (e.name === 'ResponseError' && 'status_code' in e) return 'ollama';
  // The OpenAI SDK's errors (also behind OpenAI-compatible endpoints) carry response headers or an API* class.
  const ctor = (e as { constructor?: { name?: string } }).constructor?.name ?? '';
  if ((status !== undefined && 'headers' in e) || ctor.startsWith('API')) return 'openai';
  return 'model';
}

function providerMessage(e: ErrorLike, status: number | undefined): string {
  const body = e.error as { message?: unknown; error?: { message?: unknown } } | string | undefined;
  let text =
    typeof body === 'string' ? body
    : typeof body?.message === 'string' ? body.message
    : typeof body?.error?.message === 'string' ? body.error.message
    : typeof e.message === 'string' ? e.message
    : 'unknown error';
  // LangChain appends a troubleshooting link; SDKs prefix the status we already print.
  text = text.replace(/\s*Troubleshooting URL:[\s\S]*$/, '').trim();
  if (status !== undefined) text = text.replace(new RegExp(`^${status}\\s+`), '');
  return text || 'no message';
}
