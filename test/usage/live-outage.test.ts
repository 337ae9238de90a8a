import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { afterAll, describe, expect, it } from 'vitest';
import type { Budget, UsageTotals } from '../../src/engine/core/budget.ts';
import type { CallUsage } from '../../src/engine/types.ts';
import type { Logger } from '../../src/logger.ts';
import { createMemoryLiveUsage, createRedisLiveUsage, type LiveUsage, LiveUsageUnavailable } from '../../src/usage/live.ts';
import { BudgetStopSignal, createMetering } from '../../src/usage/metering.ts';
import { createPriceTable } from '../../src/usage/prices.ts';
import { cleanUp, deleteRedisKeys, until } from '../support/processes.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { REDIS_TEST_URL, serviceAvailable, testRedisPrefix } from '../support/services.ts';

/**
 * The live usage total of issue #15 beyond test/usage/live.test.ts: a planning call's usage (bump),
 * and what the Redis adapter and a call's budget check do while Redis is out of reach.
 */
const redisOk = await serviceAvailable('redis');
const u = (inputTokens: number, outputTokens: number, costUsd = 0): UsageTotals => ({ inputTokens, outputTokens, costUsd });

describe.runIf(redisOk || process.env.CI)('the Redis live total: bump and outage', () => {
  const prefix = testRedisPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'baton-live-usage-'));
  let server: ChildProcess | undefined;
  const opened: LiveUsage[] = [];
  const open = (url: string, p = prefix) => {
    const l = createRedisLiveUsage(url, p);
    opened.push(l);
    return l;
  };
  afterAll(() =>
    cleanUp(
      ...opened.map((l) => () => l.close()),
      () => server?.kill('SIGKILL'),
      () => deleteRedisKeys(REDIS_TEST_URL, prefix),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
  );

  it('takes a planning call’s usage (bump) only into a total that exists: a missing one is seeded from the stored usage, which holds it', async () => {
    for (const live of [open(REDIS_TEST_URL), createMemoryLiveUsage()]) {
      await live.bump('wf-bump', u(100, 100, 1));
      expect(await live.add('wf-bump', u(1, 1), u(500, 500, 5))).toEqual(u(501, 501, 5));
      await live.bump('wf-bump', u(100, 100, 1));
      expect(await live.add('wf-bump', u(0, 0), u(0, 0))).toEqual(u(601, 601, 6));
    }
  });

  it('rejects at once while Redis is down (LiveUsageUnavailable), and is seeded again once it is back', async () => {
    const port = await freePort();
    server = await startRedisServer(port, { cwd: dir });
    const live = open(`redis://127.0.0.1:${port}`);
    expect(await live.add('wf', u(1, 1), u(10, 10))).toEqual(u(11, 11));
    await new Promise<void>((r) => server!.once('exit', () => r()).kill('SIGKILL'));
    await until(
      () =>
        live.add('wf', u(1, 1), u(0, 0)).then(
          () => null,
          (e: unknown) => e instanceof LiveUsageUnavailable,
        ),
      'adds to be refused',
      5000,
    );
    const t = Date.now();
    for (let i = 0; i < 5; i++) await expect(live.add('wf', u(1, 1), u(0, 0))).rejects.toBeInstanceOf(LiveUsageUnavailable);
    expect(Date.now() - t).toBeLessThan(100); // no wait for a reconnection attempt
    server = await startRedisServer(port, { cwd: dir }); // no persistence: the counter is gone
    const back = await until(() => live.add('wf', u(1, 1), u(40, 40)).catch(() => null), 'adds to work again', 10_000, 50);
    expect(back).toEqual(u(41, 41));
  });
});

describe('a budgeted call without a live total', () => {
  const logger = { warn() {}, info() {}, debug() {}, error() {} } as unknown as Logger;
  const budget: Budget = { maxTokens: 100, maxCostUsd: null, onExceed: 'STOP' };
  const setup = (live: LiveUsage) => {
    const records: Array<{ parts: CallUsage[]; live?: UsageTotals }> = [];
    let n = 0;
    const m = createMetering(
      {
        live,
        prices: createPriceTable(),
        defaultModel: 'offline',
        now: () => 0, // no periodic record
        id: () => `call-${++n}`,
        record: async (_wf, parts, total) => void records.push({ parts, live: total }),
        flushMs: 1000,
        logger,
      },
      { workflowId: 'wf', taskId: 't', attempt: 1, agent: 'backend', model: null, budget, stored: u(40, 10) },
    );
    return { m, records };
  };
  const tenTokens = new AIMessageChunk({ content: 'x'.repeat(40) });

  it('falls back to the stored usage and its own calls, and still stops at the limit', async () => {
    const { m, records } = setup({ add: () => Promise.reject(new LiveUsageUnavailable('down')), bump: async () => {}, close: async () => {} });
    const call = await m.open([new HumanMessage('p'.repeat(80))]); // 20 tokens: 40 + 10 + 20 = 70
    await call.chunk(tenTokens); // 80
    await call.chunk(tenTokens); // 90
    await call.chunk(tenTokens); // 100: reaching the limit is within it
    await expect(call.chunk(tenTokens)).rejects.toBeInstanceOf(BudgetStopSignal); // 110
    expect(records.at(-1)!.live).toEqual(u(60, 50, 0));
    // The warning at 80% recorded a part (with the fallback total); the stop recorded the rest.
    expect(records[0]!.live).toEqual(u(60, 20, 0));
    const parts = records.flatMap((r) => r.parts);
    expect(parts.reduce((s, p) => [s[0]! + p.input, s[1]! + p.output], [0, 0])).toEqual([20, 40]);
  });

  it('carries what a failed add did not count into the next add', async () => {
    const added: UsageTotals[] = [];
    let fail = true;
    const { m } = setup({
      add: async (_wf, d, seed) => {
        if (fail) throw new LiveUsageUnavailable('down');
        added.push(d);
        return { inputTokens: seed.inputTokens + d.inputTokens, outputTokens: seed.outputTokens + d.outputTokens, costUsd: 0 };
      },
      bump: async () => {},
      close: async () => {},
    });
    const call = await m.open([new HumanMessage('p'.repeat(80))]);
    await call.chunk(tenTokens);
    fail = false;
    await call.chunk(tenTokens);
    expect(added).toEqual([u(20, 20, 0)]); // the prompt and both chunks, in the first add that worked
  });
});
