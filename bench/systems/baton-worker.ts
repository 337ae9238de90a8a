import { type ChildProcess, fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallSpan } from '../fake-agent.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** What a BullMQ worker process (bench/worker.ts) reports when asked: its model calls, peak RSS and CPU since the last ask. */
export interface Answer {
  span: CallSpan;
  peakRss: number;
  cpuMs: number;
}

export interface Worker {
  child: ChildProcess;
  /** Builds the app in the worker (after the database is migrated) and starts it; `fake`: with the bench's fake agent. */
  build(env: Record<string, string>, fake: boolean): Promise<void>;
  ask(): Promise<Answer>;
  stop(): Promise<void>;
}

/** Forks a worker at once (its modules load meanwhile); it builds its app on `build`. */
export function forkWorker(): Promise<Worker> {
  const child = fork(resolve(here, '../worker.ts'), [], {
    // BENCH_WORKER_PROF=<dir>: each worker writes a CPU profile there when it exits.
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (v: Answer) => void>();
  let built: (() => void) | undefined;
  let failed: ((e: Error) => void) | undefined;
  return new Promise((resolveReady, reject) => {
    const early = (code: number | null) => {
      const err = new Error(`bench worker exited with ${code}`);
      reject(err);
      failed?.(err);
    };
    child.on('exit', early);
    child.on('message', (m: { type: string; id?: number } & Answer) => {
      if (m.type === 'ready') {
        resolveReady({
          child,
          build(env, fake) {
            return new Promise<void>((ok, fail) => {
              built = ok;
              failed = fail;
              child.send({ type: 'build', env, fake });
            });
          },
          ask() {
            const id = nextId++;
            return new Promise((r) => {
              pending.set(id, r);
              child.send({ type: 'span', id });
            });
          },
          stop() {
            child.off('exit', early);
            return new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              const timer = setTimeout(() => {
                child.kill('SIGKILL');
                r();
              }, 15_000);
              child.once('exit', () => {
                clearTimeout(timer);
                r();
              });
              child.send({ type: 'stop' });
            });
          },
        });
      } else if (m.type === 'built') {
        built?.();
      } else if (m.type === 'span') {
        pending.get(m.id!)?.({ span: m.span, peakRss: m.peakRss, cpuMs: m.cpuMs });
        pending.delete(m.id!);
      }
    });
  });
}
