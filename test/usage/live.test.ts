import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryLiveUsage, createRedisLiveUsage, type LiveUsage } from '../../src/usage/live.ts';
import { deleteRedisKeys, redisKeys } from '../support/processes.ts';
import { REDIS_TEST_URL, serviceAvailable, testRedisPrefix } from '../support/services.ts';

/** One suite over every live-usage adapter (issue #15): the per-workflow total the budget is checked against. */
const redisOk = await serviceAvailable('redis');
if (!redisOk && !process.env.CI) console.log('[usage] Redis unreachable: the Redis adapter is skipped');
const prefix = testRedisPrefix();
const opened: LiveUsage[] = [];

const adapters: Array<[string, boolean, () => LiveUsage]> = [
  ['memory', true, () => createMemoryLiveUsage()],
  ['redis', redisOk || !!process.env.CI, () => createRedisLiveUsage(REDIS_TEST_URL, prefix)],
];

afterAll(async () => {
  for (const l of opened) await l.close();
  if (redisOk) {
    await deleteRedisKeys(REDIS_TEST_URL, prefix);
    expect(await redisKeys(REDIS_TEST_URL, prefix)).toEqual([]);
  }
});

const u = (inputTokens: number, outputTokens: number, costUsd: number) => ({ inputTokens, outputTokens, costUsd });

for (const [name, runs, make] of adapters) {
  describe.runIf(runs)(`live usage: ${name}`, () => {
    const live = () => {
      const l = make();
      opened.push(l);
      return l;
    };

    it('seeds a workflow’s total from the stored one on first use, then adds; workflows are apart', async () => {
      const l = live();
      const wf = `wf-${name}-${Math.random()}`;
      expect(await l.add(wf, u(10, 5, 0.01), u(100, 50, 1))).toEqual(u(110, 55, 1.01));
      // A later seed is ignored: the total already counts everything since.
      expect(await l.add(wf, u(1, 1, 0), u(999, 999, 9))).toEqual(u(111, 56, 1.01));
      expect(await l.add(`${wf}-other`, u(1, 0, 0), u(0, 0, 0))).toEqual(u(1, 0, 0));
      // A negative delta (the provider's figures below the estimate) lowers it.
      expect((await l.add(wf, u(-11, -6, -0.01), u(0, 0, 0))).inputTokens).toBe(100);
    });

    it('adds from concurrent callers without losing any', async () => {
      const l = live();
      const wf = `wf-${name}-concurrent-${Math.random()}`;
      await Promise.all(Array.from({ length: 50 }, () => l.add(wf, u(2, 1, 0.001), u(0, 0, 0))));
      const total = await l.add(wf, u(0, 0, 0), u(0, 0, 0));
      expect(total.inputTokens).toBe(100);
      expect(total.outputTokens).toBe(50);
      expect(total.costUsd).toBeCloseTo(0.05, 9);
    });
  });
}

describe.runIf(redisOk || !!process.env.CI)('live usage: redis, shared', () => {
  it('two processes’ adapters (two connections) count toward one total', async () => {
    const a = createRedisLiveUsage(REDIS_TEST_URL, prefix);
    const b = createRedisLiveUsage(REDIS_TEST_URL, prefix);
    opened.push(a, b);
    const wf = `wf-shared-${Math.random()}`;
    await a.add(wf, u(10, 0, 0), u(5, 0, 0));
    expect(await b.add(wf, u(10, 0, 0), u(5, 0, 0))).toEqual(u(25, 0, 0));
  });
});
