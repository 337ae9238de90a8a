import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** USD per million tokens, each way. */
export interface Price {
  input: number;
  output: number;
}

/**
 * List prices in USD per million tokens (standard tier, no cache or batch discounts), as the providers
 * published them; dated 2026-12-03. Prices change: MODEL_PRICES overrides or extends any entry, and a
 * model found nowhere costs 0 and reports `priced: false` rather than a guess.
 */
export const BUILT_IN_PRICES: Readonly<Record<string, Price>> = {
  'openai:gpt-5': { input: 1.25, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, output: 2 },
  'openai:gpt-5-nano': { input: 0.05, output: 0.4 },
  'openai:gpt-4.1': { input: 2, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai:gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai:gpt-4o': { input: 2.5, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai:o3': { input: 2, output: 8 },
  'openai:o4-mini': { input: 1.1, output: 4.4 },
  'anthropic:claude-opus-4-1': { input: 15, output: 75 },
  'anthropic:claude-opus-4': { input: 15, output: 75 },
  'anthropic:claude-sonnet-4-5': { input: 3, output: 15 },
  'anthropic:claude-sonnet-4': { input: 3, output: 15 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5 },
  'anthropic:claude-3-5-haiku': { input: 0.8, output: 4 },
};

const priceSchema = z.object({ input: z.number().finite().min(0), output: z.number().finite().min(0) }).strict();
const tableSchema = z.record(z.string().min(1).max(300), priceSchema);

export class PriceTableError extends Error {
  override name = 'PriceTableError';
}

/**
 * MODEL_PRICES: inline JSON (it starts with `{`) or the path of a JSON file, an object keyed by
 * `provider:model` or a bare model name, each `{"input": USD/M, "output": USD/M}`. Throws
 * PriceTableError with one line naming what is wrong (never the file's content).
 */
export function parseModelPrices(raw: string | undefined, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, Price> {
  const text = raw?.trim();
  if (!text) return {};
  let json: unknown;
  const where = text.startsWith('{') ? 'MODEL_PRICES' : `MODEL_PRICES file ${JSON.stringify(text.slice(0, 200))}`;
  try {
    json = JSON.parse(text.startsWith('{') ? text : read(text));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ? `cannot be read (${(err as NodeJS.ErrnoException).code})` : 'is not valid JSON';
    throw new PriceTableError(`${where} ${reason}: expected {"provider:model": {"input": <USD per million input tokens>, "output": <USD per million output tokens>}}`);
  }
  const parsed = tableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PriceTableError(`${where}: ${issue.path.map(String).join('.') || 'the value'} is invalid: expected an object of {"input": number ≥ 0, "output": number ≥ 0}`);
  }
  return parsed.data;
}

export interface PriceTable {
  /** The price of `provider:model`, or undefined when the table does not know it (it then costs 0, unpriced). */
  of(provider: string, model: string): Price | undefined;
}

/**
 * Lookup order: `provider:model`, then the bare model, each exact and then by the longest entry the
 * model name extends at a `-` (so `gpt-4o-mini-2024-07-18` is priced as `gpt-4o-mini`). Overrides win.
 */
export function createPriceTable(overrides: Record<string, Price> = {}): PriceTable {
  const table = new Map<string, Price>([...Object.entries(BUILT_IN_PRICES), ...Object.entries(overrides)]);
  const found = new Map<string, Price | undefined>();
  const lookup = (key: string): Price | undefined => {
    const exact = table.get(key);
    if (exact) return exact;
    let best: string | undefined;
    for (const k of table.keys()) if (key.startsWith(`${k}-`) && (!best || k.length > best.length)) best = k;
    return best ? table.get(best) : undefined;
  };
  return {
    of(provider, model) {
      const key = `${provider}:${model}`;
      if (!found.has(key)) {
        if (found.size > 1000) found.clear();
        found.set(key, provider === 'offline' ? undefined : (lookup(key) ?? lookup(model)));
      }
      return found.get(key);
    },
  };
}

/** Cost in USD of a call's tokens at a price (0 without one). */
export function costUsd(tokens: { input: number; output: number }, price: Price | undefined): number {
  return price ? (tokens.input * price.input + tokens.output * price.output) / 1_000_000 : 0;
}

/**
 * Tokens estimated from text, for a call in flight or a provider that reports no usage: about four
 * characters a token, the usual figure for English with BPE tokenizers (no tokenizer is downloaded).
 */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
