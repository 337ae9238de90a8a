import { describe, expect, it } from 'vitest';
import { BUILT_IN_PRICES, costUsd, createPriceTable, estimateTokens, parseModelPrices, PriceTableError } from '../../src/usage/prices.ts';

describe('model prices', () => {
  it('prices the common models from the built-in table, by provider:model, bare name, or a dated variant', () => {
    const t = createPriceTable();
    expect(t.of('openai', 'gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(t.of('openai', 'gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(t.of('openai', 'gpt-4o-2024-08-06')).toEqual(BUILT_IN_PRICES['openai:gpt-4o']);
    expect(t.of('anthropic', 'claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
  });

  it('leaves the offline model and unknown models unpriced', () => {
    const t = createPriceTable({ offline: { input: 9, output: 9 } });
    expect(t.of('offline', 'offline')).toBeUndefined();
    expect(t.of('ollama', 'llama3.1')).toBeUndefined();
    expect(t.of('openai', 'gpt-4oops')).toBeUndefined(); // a prefix only counts at a '-'
  });

  it('lets MODEL_PRICES override a built-in price and add a model, by provider:model or bare name', () => {
    const t = createPriceTable(parseModelPrices('{"openai:gpt-4o-mini": {"input": 1, "output": 2}, "my-model": {"input": 0.5, "output": 0.5}}'));
    expect(t.of('openai', 'gpt-4o-mini')).toEqual({ input: 1, output: 2 });
    expect(t.of('openai-compatible', 'my-model')).toEqual({ input: 0.5, output: 0.5 });
  });

  it('reads MODEL_PRICES from a file path, and names the problem without echoing content when it is bad', () => {
    expect(parseModelPrices('/prices.json', () => '{"x": {"input": 1, "output": 1}}')).toEqual({ x: { input: 1, output: 1 } });
    const missing = () =>
      parseModelPrices('/nope.json', () => {
        throw Object.assign(new Error('ENOENT: secret path detail'), { code: 'ENOENT' });
      });
    expect(missing).toThrow(PriceTableError);
    expect(missing).toThrow(/MODEL_PRICES file "\/nope.json" cannot be read \(ENOENT\)/);
    expect(() => parseModelPrices('{not json')).toThrow(/MODEL_PRICES is not valid JSON/);
    expect(() => parseModelPrices('{"m": {"input": -1, "output": 1}}')).toThrow(/m.input is invalid/);
    expect(() => parseModelPrices('{"m": {"input": 1, "output": 1, "extra": 2}}')).toThrow(PriceTableError);
    expect(parseModelPrices(undefined)).toEqual({});
  });

  it('computes cost as tokens × price per million, and estimates tokens at four characters each', () => {
    expect(costUsd({ input: 1_000_000, output: 500_000 }, { input: 0.15, output: 0.6 })).toBeCloseTo(0.45, 10);
    expect(costUsd({ input: 10, output: 10 }, undefined)).toBe(0);
    expect(estimateTokens(0)).toBe(0);
    expect(estimateTokens(9)).toBe(3);
  });
});
