import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Where the production-mode systems find PostgreSQL and Redis (the machine's services by default). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh PostgreSQL database for one system's runs; `drop` removes it. */
export async function freshDatabase(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `baton_bench_${tag}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh Redis key prefix; `clean` deletes every key under it. */
export function freshRedisPrefix(tag: string): { prefix: string; clean(): Promise<number> } {
  const prefix = `baton-bench-${tag}-${randomUUID().slice(0, 8)}:`;
  return {
    prefix,
    async clean() {
      const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      let n = 0;
      try {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) n += await r.del(...keys);
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
      return n;
    },
  };
}

/** Peak resident set size while a piece of work runs, sampled every 20 ms (plus one sample at each end). */
export function rssSampler() {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    const r = process.memoryUsage.rss();
    if (r > peak) peak = r;
  };
  const timer = setInterval(sample, 20);
  timer.unref();
  return {
    /** Peak since the last take (bytes), then starts over from the current RSS. */
    take() {
      sample();
      const p = peak;
      peak = process.memoryUsage.rss();
      return p;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const percentile = (sorted: number[], p: number) => {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
};
