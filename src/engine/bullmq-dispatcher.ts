import { Queue, WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.ts';
import { CancelledSignal, type Dispatcher, ShutdownSignal, type TaskHandler } from './dispatcher.ts';
import type { ReadyTask } from './types.ts';

export interface BullmqDispatcherOptions {
  redisUrl: string;
  /** Key prefix, so several deployments (or test runs) share one Redis. */
  prefix: string;
  maxConcurrency: number;
  agentConcurrency: number;
  /** How long a worker's job lock lives without renewal; a killed worker's jobs move on after about this long. */
  lockDurationMs?: number;
  logger: Logger;
}

/** BullMQ wants connection options rather than a shared ioredis instance, or the process will not exit (STACK.md). */
export function connectionFromUrl(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

class Semaphore {
  private waiters: Array<() => void> = [];
  private used = 0;
  constructor(private readonly size: number) {}
  async acquire() {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release() {
    const next = this.waiters.shift();
    if (next) next();
    else this.used--;
  }
}

/**
 * Ready tasks become BullMQ jobs whose id is the task id, so a task is never
 * queued twice; priority keeps plan order. Each worker process runs up to
 * maxConcurrency jobs, and up to agentConcurrency per agent (per process).
 * A worker killed mid-job leaves a stalled job that another worker takes over
 * once its lock expires; a worker stopped by SIGTERM hands its jobs back at once.
 */
export function createBullmqDispatcher(o: BullmqDispatcherOptions): Dispatcher {
  const connection = connectionFromUrl(o.redisUrl);
  const name = 'baton-tasks';
  const queue = new Queue<ReadyTask>(name, { connection, prefix: `${o.prefix}bull` });
  let worker: Worker<ReadyTask> | undefined;
  const running = new Map<string, { task: ReadyTask; ctrl: AbortController }>();
  const agents = new Map<string, Semaphore>();
  const sem = (agent: string) => agents.get(agent) ?? agents.set(agent, new Semaphore(o.agentConcurrency)).get(agent)!;

  async function process(job: Job<ReadyTask>, token: string | undefined, handler: TaskHandler) {
    const task = job.data;
    const ctrl = new AbortController();
    running.set(task.taskId, { task, ctrl });
    const s = sem(task.agent);
    await s.acquire();
    try {
      await handler(task, ctrl.signal);
    } finally {
      s.release();
      running.delete(task.taskId);
    }
    if (ctrl.signal.reason instanceof ShutdownSignal) {
      // Given back: another worker takes it now, not after a lock timeout.
      await job.moveToWait(token);
      throw new WaitingError();
    }
  }

  return {
    kind: 'bullmq',
    async enqueue(tasks) {
      if (tasks.length === 0) return;
      await queue.addBulk(
        tasks.map((t) => ({
          name: 'task',
          data: t,
          opts: { jobId: t.taskId, priority: Math.min(t.orderIndex + 1, 2_000_000), removeOnComplete: true, removeOnFail: true },
        })),
      );
    },
    async startWorking(handler) {
      worker = new Worker<ReadyTask>(name, (job, token) => process(job, token, handler), {
        connection,
        prefix: `${o.prefix}bull`,
        concurrency: o.maxConcurrency,
        lockDuration: o.lockDurationMs ?? 15_000,
        stalledInterval: Math.max(500, Math.floor((o.lockDurationMs ?? 15_000) / 2)),
        maxStalledCount: 10,
      });
      worker.on('error', (err) => o.logger.warn({ err: String(err) }, 'bullmq worker error'));
      await worker.waitUntilReady();
    },
    abortWorkflow(workflowId) {
      for (const r of running.values()) if (r.task.workflowId === workflowId) r.ctrl.abort(new CancelledSignal(workflowId));
    },
    async stop(graceMs) {
      if (worker) {
        const closing = worker.close();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
        clearTimeout(timer);
        for (const r of running.values()) r.ctrl.abort(new ShutdownSignal());
        await closing;
      }
      await queue.close();
    },
  };
}
