import { Redis } from 'ioredis';
import type { UsageTotals } from '../engine/core/budget.ts';

/**
 * The live usage of each workflow: what every call in flight has counted so far, in every process,
 * plus what was recorded before. The budget is checked against it on every streamed chunk; the
 * database stays the record (a counter that is lost is seeded again from it).
 */
export interface LiveUsage {
  /** Adds a delta to the workflow's live total (seeded with `seed`, its stored total, when it has none); resolves to the new total. */
  add(workflowId: string, delta: UsageTotals, seed: UsageTotals): Promise<UsageTotals>;
  /**
   * Adds usage counted without a budget check (a planning call's) to the live total if the workflow
   * has one; one that has none is seeded later from the stored usage, which holds it.
   */
  bump(workflowId: string, delta: UsageTotals): Promise<void>;
  close(): Promise<void>;
}

/** Totals untouched this long are dropped (a later call seeds them again from the database). */
const IDLE_MS = 10 * 60_000;

/** Embedded mode: every call of a workflow runs in this process. */
export function createMemoryLiveUsage(now: () => number = Date.now): LiveUsage {
  const totals = new Map<string, { u: UsageTotals; at: number }>();
  let adds = 0;
  return {
    async add(workflowId, delta, seed) {
      const at = now();
      if (++adds % 1000 === 0) for (const [k, v] of totals) if (at - v.at > IDLE_MS) totals.delete(k);
      const cur = totals.get(workflowId) ?? { u: { ...seed }, at };
      cur.u = { inputTokens: cur.u.inputTokens + delta.inputTokens, outputTokens: cur.u.outputTokens + delta.outputTokens, costUsd: cur.u.costUsd + delta.costUsd };
      cur.at = at;
      totals.set(workflowId, cur);
      return cur.u;
    },
    async bump(workflowId, d) {
      const cur = totals.get(workflowId);
      if (cur) cur.u = { inputTokens: cur.u.inputTokens + d.inputTokens, outputTokens: cur.u.outputTokens + d.outputTokens, costUsd: cur.u.costUsd + d.costUsd };
    },
    async close() {},
  };
}

/**
 * Seeds the hash if it is missing, adds the delta, keeps it an hour past its last use; returns the
 * totals. One script, so a seed and an add from two workers never interleave.
 */
const ADD = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'i', ARGV[4], 'o', ARGV[5], 'c', ARGV[6])
end
local i = redis.call('HINCRBY', KEYS[1], 'i', ARGV[1])
local o = redis.call('HINCRBY', KEYS[1], 'o', ARGV[2])
local c = redis.call('HINCRBYFLOAT', KEYS[1], 'c', ARGV[3])
redis.call('PEXPIRE', KEYS[1], 3600000)
return {i, o, c}`;

/** Adds the delta only to an existing hash. */
const BUMP = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'i', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'o', ARGV[2])
  redis.call('HINCRBYFLOAT', KEYS[1], 'c', ARGV[3])
end
return 0`;

/** Thrown at once while the live total is out of reach: the caller falls back to what it knows. */
export class LiveUsageUnavailable extends Error {
  override name = 'LiveUsageUnavailable';
}

/**
 * Redis mode: one counter per workflow shared by every worker (`<prefix>usage:<workflowId>`).
 * Every streamed chunk of a budgeted call waits for its add, so an add never waits for Redis to
 * come back: once connected, a lost connection or a slow answer (over `timeoutMs`) rejects at once
 * and the caller falls back (without this, each chunk waited for a reconnection attempt, up to 2 s).
 */
export function createRedisLiveUsage(url: string, prefix: string, timeoutMs = 1000): LiveUsage {
  const client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false, commandTimeout: timeoutMs });
  client.on('error', () => {}); // a failed add rejects; the caller falls back to the stored total
  let connected = false; // before the first connection, adds wait for it (a worker's first calls at start-up)
  client.on('ready', () => (connected = true));
  client.defineCommand('batonUsageAdd', { numberOfKeys: 1, lua: ADD });
  client.defineCommand('batonUsageBump', { numberOfKeys: 1, lua: BUMP });
  const run = client as unknown as {
    batonUsageAdd(key: string, ...args: Array<string | number>): Promise<[number, number, string]>;
    batonUsageBump(key: string, ...args: Array<string | number>): Promise<number>;
  };
  return {
    async add(workflowId, d, seed) {
      if (connected && client.status !== 'ready') throw new LiveUsageUnavailable(`the live usage total is unavailable (Redis ${client.status})`);
      const [i, o, c] = await run.batonUsageAdd(
        `${prefix}usage:${workflowId}`,
        Math.round(d.inputTokens),
        Math.round(d.outputTokens),
        d.costUsd.toFixed(12),
        Math.round(seed.inputTokens),
        Math.round(seed.outputTokens),
        seed.costUsd.toFixed(12),
      );
      return { inputTokens: Number(i), outputTokens: Number(o), costUsd: Number(c) };
    },
    async bump(workflowId, d) {
      if (connected && client.status !== 'ready') throw new LiveUsageUnavailable(`the live usage total is unavailable (Redis ${client.status})`);
      await run.batonUsageBump(`${prefix}usage:${workflowId}`, Math.round(d.inputTokens), Math.round(d.outputTokens), d.costUsd.toFixed(12));
    },
    async close() {
      client.disconnect();
    },
  };
}
