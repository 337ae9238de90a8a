import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createPriceTable } from '../../src/usage/prices.ts';

describe('MODEL_PRICES and the default budget (config)', () => {
  it('reads MODEL_PRICES inline or from a file, over the built-in table', () => {
    const inline = loadConfig({ MODEL_PRICES: '{"openai:fake-model": {"input": 1, "output": 2}, "gpt-4o-mini": {"input": 9, "output": 9}}' }).modelPrices;
    const table = createPriceTable(inline);
    expect(table.of('openai', 'fake-model')).toEqual({ input: 1, output: 2 });
    expect(table.of('openai', 'gpt-4o')).toEqual({ input: 2.5, output: 10 });
    expect(table.of('offline', 'anything')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'baton-prices-'));
    writeFileSync(join(dir, 'prices.json'), '{"anthropic:claude-x": {"input": 3, "output": 4}}');
    expect(loadConfig({ MODEL_PRICES: join(dir, 'prices.json') }).modelPrices).toEqual({ 'anthropic:claude-x': { input: 3, output: 4 } });
  });

  it('refuses a bad MODEL_PRICES with one line naming it (never the file content)', () => {
    expect(() => loadConfig({ MODEL_PRICES: '{"x": {"input": -1, "output": 1}}' })).toThrow(ConfigError);
    expect(() => loadConfig({ MODEL_PRICES: '{not json' })).toThrow(/^MODEL_PRICES is not valid JSON/);
    expect(() => loadConfig({ MODEL_PRICES: '/nonexistent/prices.json' })).toThrow(/cannot be read \(ENOENT\)/);
  });

  it('DEFAULT_BUDGET_TOKENS / DEFAULT_BUDGET_USD make the budget of workflows created without one', () => {
    expect(loadConfig({}).defaultBudget).toBeNull();
    expect(loadConfig({ DEFAULT_BUDGET_TOKENS: '50000' }).defaultBudget).toEqual({ maxTokens: 50000, maxCostUsd: null, onExceed: 'STOP' });
    expect(loadConfig({ DEFAULT_BUDGET_USD: '2.5', DEFAULT_BUDGET_TOKENS: '10' }).defaultBudget).toEqual({ maxTokens: 10, maxCostUsd: 2.5, onExceed: 'STOP' });
    expect(() => loadConfig({ DEFAULT_BUDGET_USD: '-1' })).toThrow(/DEFAULT_BUDGET_USD="-1" is invalid/);
    expect(() => loadConfig({ DEFAULT_BUDGET_TOKENS: '1.5' })).toThrow(/DEFAULT_BUDGET_TOKENS="1.5" is invalid/);
  });
});
