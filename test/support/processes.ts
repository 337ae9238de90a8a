import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { buildApp, type App, type AppOverrides } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BatonProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves when the process logged "baton started"; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<Exit>;
  alive(): boolean;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends the signal and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

const live = new Set<BatonProcess>();
let exitHookInstalled = false;

/**
 * Starts Baton as a child process, `node --import tsx src/main.ts`, with only
 * the given environment (plus PATH and HOME). Logs at info unless LOG_LEVEL says
 * otherwise, because readiness is the "baton started" line. Every child is
 * remembered: killAllBatons() (in afterAll) and the test process's exit kill
 * whatever is left.
 */
export function spawnBaton(env: Record<string, string>, name = 'baton'): BatonProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) if (p.alive()) p.child.kill('SIGKILL');
    });
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', AUTH: 'required', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let started = false;
  let onStarted: () => void = () => {};
  const note = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (lines.length > 200) lines.shift();
      if (!started && line.includes('"msg":"baton started"')) {
        started = true;
        onStarted();
      }
    }
  };
  child.stdout!.on('data', note);
  child.stderr!.on('data', note);
  let exitInfo: Exit | undefined;
  const exited = new Promise<Exit>((res) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      res(exitInfo);
    });
  });
  const output = () => lines.join('\n');
  const ready = new Promise<void>((res, rej) => {
    onStarted = res;
    void exited.then((e) => {
      if (!started) rej(new Error(`${name} (pid ${child.pid}) exited before it started: ${JSON.stringify(e)}\n${output()}`));
    });
  });
  ready.catch(() => {}); // observed by whoever awaits it
  const p: BatonProcess = {
    name,
    pid: child.pid!,
    child,
    ready,
    exited,
    alive: () => exitInfo === undefined,
    output,
    async kill(signal = 'SIGKILL') {
      if (exitInfo) return exitInfo;
      child.kill(signal);
      return exited;
    },
  };
  live.add(p);
  void exited.then(() => live.delete(p));
  return p;
}

/** SIGKILLs every child still running (afterAll). */
export async function killAllBatons(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGKILL')));
}

/**
 * A Baton app in the test process that only takes requests: it builds the
 * services on the same database (and Redis) as the children but never starts
 * working, so workflows created and started here are run by the children.
 */
export async function buildApiApp(env: Record<string, string>, overrides: AppOverrides = {}): Promise<App> {
  // ROLE=worker keeps the GraphQL layer out; start() is never called, so this process runs no task.
  return buildApp(loadConfig({ LOG_LEVEL: 'silent', ...env, ROLE: 'worker' }), overrides);
}

/** Deletes every Redis key that starts with the prefix; returns how many there were. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Keys that start with the prefix. */
export async function redisKeys(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out;
  } finally {
    redis.disconnect();
  }
}

/** Polls until fn returns a truthy value, or throws after timeoutMs naming what it waited for. */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 20_000, everyMs = 20): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs every clean-up step even if one fails (afterAll), then throws the first error. */
export async function cleanUp(...steps: Array<() => unknown>): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
