import { Queue, WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.ts';
import { CancelledSignal, type Dispatcher, type PlanHandler, type QueueSlots, ShutdownSignal, type TaskHandler } from './dispatcher.ts';
import type { ReadyTask } from './types.ts';

export interface BullmqDispatcherOptions {
  redisUrl: string;
  /** Key prefix, so several deployments (or test runs) share one Redis. */
  prefix: string;
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

/** The job that plans a workflow: one per workflow at a time (job id `plan-<workflowId>`). */
interface PlanJob {
  workflowId: string;
}
type JobData = ReadyTask | PlanJob;

/** A task continued in this process, and its takeover job once a heartbeat added it. */
interface Continued {
  task: ReadyTask;
  job?: Promise<Job<JobData> | undefined>;
}

/** Whether p settled within ms (it goes on either way). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ready tasks become BullMQ jobs whose id is the task id, so a task is never
 * queued twice; priority keeps plan order. Each worker process takes up to its slots'
 * limit of jobs at once, and each job runs once it has a slot (see slots.ts).
 * A worker killed mid-job leaves a stalled job that another worker takes over
 * once its lock expires; a worker stopped by SIGTERM hands its jobs back at once.
 *
 * A task continued in this process (claimed by the runner that completed its last
 * dependency) has no active job. Its dead man's switch is a delayed job with the
 * task's id, pushed back while the task runs and removed when it ends: if this
 * process dies, the job comes due about a lock duration later and another worker
 * takes the task over, as it would a stalled job. The job is added by the next
 * heartbeat (every third of a lock duration), with those of every task continued
 * since, in one addBulk: a fan-out's tasks start without paying for theirs, a task
 * shorter than a heartbeat mostly never has one, and every task has its job well
 * before the reconciler would count it stale (a RUNNING task older than a lock
 * duration without a job).
 */
export function createBullmqDispatcher(o: BullmqDispatcherOptions): Dispatcher {
  const connection = connectionFromUrl(o.redisUrl);
  const name = 'baton-tasks';
  const queue = new Queue<JobData>(name, { connection, prefix: `${o.prefix}bull` });
  // Without a listener BullMQ prints each connection error with its stack to stderr while Redis is down.
  queue.on('error', (err) => o.logger.warn({ err: String(err) }, 'bullmq queue error'));
  const lockMs = o.lockDurationMs ?? 15_000;
  let worker: Worker<JobData> | undefined;
  /** Runs in this process, of jobs (tasks and plans) and of continued tasks, by a run's own id. */
  const running = new Map<number, { workflowId: string; ctrl: AbortController; done: Promise<void> }>();
  let runIds = 0;
  /** Continued tasks by run id, with their dead man's switch once a heartbeat added it. */
  const continued = new Map<number, Continued>();
  /** Removals (or promotions, at shutdown) of continued tasks' takeover jobs still under way. */
  const settling = new Set<Promise<unknown>>();
  let heartbeat: NodeJS.Timeout | undefined;
  const jobOptions = (t: ReadyTask) => ({ jobId: t.taskId, priority: Math.min(t.orderIndex + 1, 2_000_000), removeOnComplete: true, removeOnFail: true });

  async function runJob(job: Job<JobData>, token: string | undefined, handler: TaskHandler, plan: PlanHandler, slots: QueueSlots) {
    const ctrl = new AbortController();
    const id = ++runIds;
    const data = job.data;
    const task = 'taskId' in data ? data : undefined;
    // A plan takes a slot of the process (it is one model call) but no agent's.
    const agent = task?.agent;
    const done = (async () => {
      await slots.acquire(agent);
      try {
        if (task) await handler(task, ctrl.signal);
        else await plan(data.workflowId, ctrl.signal);
      } finally {
        slots.release(agent);
        running.delete(id);
      }
    })();
    running.set(id, { workflowId: data.workflowId, ctrl, done: done.catch(() => {}) });
    await done;
    if (ctrl.signal.reason instanceof ShutdownSignal) {
      // Given back: another worker takes it now, not after a lock timeout.
      await job.moveToWait(token);
      throw new WaitingError();
    }
  }

  return {
    capabilities: { sharedQueue: true },
    async enqueue(tasks) {
      if (tasks.length === 0) return;
      await queue.addBulk(tasks.map((t) => ({ name: 'task', data: t, opts: jobOptions(t) })));
    },
    async enqueuePlans(workflowIds) {
      if (workflowIds.length === 0) return;
      // The job id makes a second add for the same workflow a no-op while its job is waiting or running.
      await queue.addBulk(
        workflowIds.map((workflowId) => ({ name: 'plan', data: { workflowId }, opts: { jobId: `plan-${workflowId}`, priority: 1, removeOnComplete: true, removeOnFail: true } })),
      );
    },
    runClaimed(task, run) {
      const ctrl = new AbortController();
      const id = ++runIds;
      const done = (async () => {
        try {
          await run(ctrl.signal);
        } catch (err) {
          o.logger.error({ err, taskId: task.taskId }, 'task handler failed');
        } finally {
          running.delete(id);
          continued.delete(id);
        }
      })();
      running.set(id, { workflowId: task.workflowId, ctrl, done });
      const mine: Continued = { task };
      continued.set(id, mine);
      // Given back at shutdown: due now (added now if it had none yet), so another worker takes it at
      // once. Otherwise it is done with (or taken over elsewhere already, and nothing is left to
      // remove). Not awaited by the run: with Redis down this waits for Redis.
      const settle = done
        .then(() => mine.job)
        .then(async (job) => {
          if (!(ctrl.signal.reason instanceof ShutdownSignal)) await job?.remove();
          else if (job) await job.promote();
          else await queue.add('task', task, jobOptions(task));
        })
        .catch(() => {})
        .finally(() => settling.delete(settle));
      settling.add(settle);
      return done;
    },
    async startWorking(handler, plan, slots) {
      worker = new Worker<JobData>(name, (job, token) => runJob(job, token, handler, plan, slots), {
        connection,
        prefix: `${o.prefix}bull`,
        concurrency: slots.limits.max,
        lockDuration: o.lockDurationMs ?? 15_000,
        stalledInterval: Math.max(500, Math.floor((o.lockDurationMs ?? 15_000) / 2)),
        maxStalledCount: 10,
      });
      worker.on('error', (err) => o.logger.warn({ err: String(err) }, 'bullmq worker error'));
      await worker.waitUntilReady();
      // Continued tasks get their takeover jobs, then push them back while they run.
      heartbeat = setInterval(
        () => {
          const fresh: Continued[] = [];
          for (const c of continued.values()) {
            if (!c.job) fresh.push(c);
            else void c.job.then((job) => job?.changeDelay(lockMs)).catch(() => {}); // due or taken over already: nothing to push back
          }
          if (fresh.length === 0) return;
          const added = queue.addBulk(fresh.map(({ task }) => ({ name: 'task', data: task, opts: { ...jobOptions(task), delay: lockMs } }))).catch((err) => {
            o.logger.warn({ err: String(err), tasks: fresh.length }, 'no takeover jobs for continued tasks; the reconciler re-queues them if this process dies');
            return undefined;
          });
          fresh.forEach((c, i) => (c.job = added.then((jobs) => jobs?.[i])));
        },
        Math.max(100, Math.floor(lockMs / 3)),
      );
      heartbeat.unref();
    },
    abortWorkflow(workflowId) {
      for (const r of running.values()) if (r.workflowId === workflowId) r.ctrl.abort(new CancelledSignal(workflowId));
    },
    async counts() {
      // Jobs with a priority wait in `prioritized`, not `wait`. Delayed jobs are takeover switches, not waiting work.
      const c = await queue.getJobCounts('wait', 'prioritized', 'active');
      return { waiting: (c.wait ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0 };
    },
    async stop(graceMs) {
      if (worker) {
        const closed = worker.close();
        const runs = () => Promise.all([...running.values()].map((r) => r.done));
        await within(runs(), graceMs);
        for (const r of running.values()) r.ctrl.abort(new ShutdownSignal());
        await runs();
        // Hand-backs reach Redis before the queue closes, unless Redis is unreachable.
        await within(Promise.all(settling), 2000);
        // With nothing left running, a worker whose blocking connection never came back from a Redis
        // restart would wait for it forever (BullMQ #2466): force it.
        if (!(await within(closed, 2000))) await within(worker.close(true), 2000);
      }
      clearInterval(heartbeat);
      await queue.close();
    },
  };
}
