/**
 * The model providers Baton knows, in one place: the model factory builds clients for these, and
 * an agent's `model` or LLM_MODEL naming anything else is refused before it is stored or used.
 */
export const PROVIDERS = ['openai', 'anthropic', 'ollama', 'openai-compatible'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type ParsedModel = { provider: 'offline'; model: string } | { provider: Provider; model: string };

/** A model name as providers spell them: `gpt-4o-mini`, `llama3.2:8b`, `meta-llama/Llama-3-8B`; no spaces. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/;

export const MODEL_FORMAT = `"offline" or "provider:model" with provider one of ${PROVIDERS.join(', ')} (e.g. "openai:gpt-4o-mini")`;

/** Parses `provider:model` or `offline[:name]`; a reason instead when it is neither. Pure. */
export function parseModel(value: string): { ok: true; parsed: ParsedModel } | { ok: false; reason: string } {
  const spec = value.trim();
  if (spec === 'offline') return { ok: true, parsed: { provider: 'offline', model: spec } };
  const colon = spec.indexOf(':');
  if (colon <= 0) return { ok: false, reason: `"${short(spec)}" has no provider` };
  const provider = spec.slice(0, colon).toLowerCase();
  const model = spec.slice(colon + 1);
  if (provider !== 'offline' && !(PROVIDERS as readonly string[]).includes(provider)) {
    return { ok: false, reason: `unknown model provider "${short(spec.slice(0, colon))}"; supported: offline, ${PROVIDERS.join(', ')}` };
  }
  if (!MODEL_NAME.test(model)) return { ok: false, reason: `"${short(model)}" is not a model name (letters, digits and . _ : / @ + -, up to 200)` };
  return { ok: true, parsed: provider === 'offline' ? { provider: 'offline', model: spec } : { provider: provider as Provider, model } };
}

/** A short prefix of what was sent, for messages (never echo a whole input back). */
const short = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s).slice(1, -1);
