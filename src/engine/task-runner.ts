import type { AIMessageChunk } from '@langchain/core/messages';
import type { AgentStore } from '../agents/agent-store.ts';
import type { ModelFactory } from '../agents/model-factory.ts';
import { attemptWithTimeout, classify, EmptyAnswerError, type RetryPolicy, retryDelay, sleep } from '../agents/retry.ts';
import { newNonce } from '../agents/delimit.ts';
import { buildTaskPrompt } from '../agents/task-prompt.ts';
import type { TaskTools } from '../tools/task-tools.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry, TaskRun } from '../observability/telemetry.ts';
import { createChunkSanitizer } from '../text.ts';
import { BudgetStopSignal, type Metering, type UsageMeter } from '../usage/metering.ts';
import { CancelledSignal, ShutdownSignal } from './dispatcher.ts';
import type { RunStore } from './store/index.ts';
import type { Continuation } from './store/run-store.ts';
import type { Committed } from './store/transition.ts';
import { NO_USAGE } from './core/budget.ts';
import type { CallUsage, ClaimedTask, ContinuedTask, DependencyOutput, ReadyTask, TokenUsage } from './types.ts';

export interface RunnerDeps {
  tasks: RunStore;
  agents: AgentStore;
  models: ModelFactory;
  policy: RetryPolicy;
  contextBudgetChars: number;
  now: () => number;
  logger: Logger;
  /** Task metrics, spans and log lines (start, retry, finish, failure). */
  telemetry: Pick<Telemetry, 'task'>;
  /** Publishes committed events (after commit). */
  publish: (c: Committed<unknown>) => Promise<void>;
  /** Live-only streamed text of a running task. */
  publishOutput: (task: ClaimedTask, startedSeq: number, index: number, text: string) => void;
  /** Hands newly ready tasks to the dispatcher. */
  dispatch: (tasks: ReadyTask[]) => Promise<void>;
  /** The scheduler's slots and runs, for the dependents a completion claims to run here at once. */
  continuation: Continuation;
  /** Agents with tools run a tool loop instead of one streamed answer (src/tools). */
  tools?: TaskTools;
  /** Usage of every model call, and the budget checked as chunks arrive (src/usage). */
  meter: UsageMeter;
}

/** A model's answer, with the usage of its calls not recorded yet (stored with the outcome). */
interface Answer {
  output: string;
  /** What is left to record of its calls' usage (may be negative where the provider's figures replaced a larger estimate). */
  usage: TokenUsage;
  calls: CallUsage[];
  /** Its calls' whole usage, for metrics. */
  total: TokenUsage;
}

const answerOf = (output: string, calls: CallUsage[], total: TokenUsage): Answer => ({
  output,
  calls,
  total,
  usage: calls.reduce((u, c) => ({ input: u.input + c.input, output: u.output + c.output, costUsd: (u.costUsd ?? 0) + c.costUsd }), {
    input: 0,
    output: 0,
    costUsd: 0,
  } as TokenUsage),
});

const textOf = (c: AIMessageChunk) => (typeof c.content === 'string' ? c.content : c.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join(''));

/** Why storing an answer failed, for the task's error: the kind only (a driver's message may quote the SQL and the output). */
function storeFailure(e: unknown): string {
  const err = (e as { storeError?: unknown }).storeError as { code?: unknown; name?: unknown } | undefined;
  const kind = typeof err?.code === 'string' ? err.code : typeof err?.name === 'string' ? err.name : 'error';
  return `the output could not be stored (${kind})`;
}

/**
 * Executes one task: claim, call the agent's model (streaming), then commit
 * the outcome and hand on what became ready. Retries and timeouts live here;
 * what happens next is decided by the store's transitions.
 */
/** Aborts a continued task whose claim was not committed: nothing of it was written. */
class NotClaimedSignal extends Error {
  override name = 'NotClaimedSignal';
}

export function createTaskRunner(d: RunnerDeps) {
  /**
   * `startedSeq` is the seq of the task's task_started event; a promise for a task started before
   * its claim committed, which it awaits before it streams or writes anything.
   */
  async function callModel(task: ClaimedTask, startedSeq: number | Promise<number>, signal: AbortSignal, obs: TaskRun, known?: DependencyOutput[]): Promise<Answer> {
    const [agent, dependencies] = await Promise.all([d.agents.getCached(task.tenant, task.agent), d.tasks.dependencyOutputs(task.workflowId, task.dependsOn, known)]);
    if (!agent) throw new Error(`agent @${task.agent} no longer exists`);
    const metering = d.meter.attempt({
      workflowId: task.workflowId,
      taskId: task.taskId,
      attempt: task.attempt,
      agent: agent.name,
      model: agent.model,
      price: agent.price,
      budget: task.budget ?? null,
      stored: task.usage ?? NO_USAGE,
    });
    try {
      return await meteredCall(task, startedSeq, signal, obs, agent, dependencies, metering);
    } catch (err) {
      await metering.flush(); // what the failed or stopped attempt used is recorded all the same
      throw err;
    } finally {
      metering.close();
    }
  }

  async function meteredCall(
    task: ClaimedTask,
    startedSeq: number | Promise<number>,
    signal: AbortSignal,
    obs: TaskRun,
    agent: NonNullable<Awaited<ReturnType<AgentStore['getCached']>>>,
    dependencies: DependencyOutput[],
    metering: Metering,
  ): Promise<Answer> {
    const model = await d.models({ agentName: agent.name, model: agent.model, temperature: agent.temperature, maxTokens: agent.maxTokens });
    const tools = d.tools && agent.tools.length > 0 ? await d.tools.open(task, agent.tools, model) : undefined;
    const nonce = newNonce();
    const messages = buildTaskPrompt({
      systemPrompt: agent.systemPrompt,
      request: task.request,
      task: { key: task.key, agent: task.agent, description: task.description },
      dependencies,
      budgetChars: d.contextBudgetChars,
      nonce,
      tools: tools && { workspaceFiles: tools.files },
      revision: task.revision,
    });
    // A run started before its claim committed stops at once if the claim does not commit.
    const unclaimed = typeof startedSeq === 'number' ? undefined : startedSeq;
    const call = obs.modelCall(agent.model);
    const attempt = attemptWithTimeout(
      d.policy.timeoutMs,
      signal,
      async (s) => {
        let output = '';
        let index = 0;
        // The answer is the provider's: NUL and unpaired surrogates become U+FFFD before anything stores or streams it.
        const storable = createChunkSanitizer();
        const emit = async (text: string) => {
          if (!text) return;
          output += text;
          d.publishOutput(task, typeof startedSeq === 'number' ? startedSeq : await startedSeq, index++, text);
        };
        if (tools) {
          const r = await tools.run({ model, messages, nonce, signal: s, metering, claimed: () => Promise.resolve(startedSeq), emit: (text) => emit(storable.push(text)) });
          return answerOf(r.output, await metering.finish(), metering.total());
        }
        const metered = await metering.open(messages);
        for await (const chunk of await model.stream(messages, { signal: s })) {
          await emit(storable.push(textOf(chunk)));
          const counted = metered.chunk(chunk);
          if (counted) await counted; // over the budget: rejects, and the call stops here
        }
        await emit(storable.flush());
        if (output.trim() === '') throw new EmptyAnswerError();
        return answerOf(output, await metering.finish(), metering.total());
      },
      unclaimed,
    );
    return call.watch(attempt, signal, (a) => a.total);
  }

  async function execute(task: ClaimedTask, startedSeq: number | Promise<number>, signal: AbortSignal, obs: TaskRun, known?: DependencyOutput[]) {
    const began = d.now();
    // Every claim counts an attempt: a task whose runs keep ending without an outcome (a process
    // that died, a store that failed) stops here instead of calling its model again and again.
    if (task.attempt > d.policy.attempts) {
      await startedSeq;
      return failed(task, `gave up after ${d.policy.attempts} attempt(s): none of them stored an outcome`, obs);
    }
    let answer: Answer | undefined;
    for (;;) {
      obs.attempt();
      let error: unknown;
      try {
        answer ??= await callModel(task, startedSeq, signal, obs, known);
      } catch (err) {
        error = err;
      }
      await startedSeq;
      // An answer in hand is still stored at a shutdown (a cancel has cleared the lease: the store refuses it).
      if (!answer && signal.aborted) throw signal.reason;
      if (error instanceof BudgetStopSignal) throw error;
      if (answer) {
        const stored = await completeOnce(task, answer, began, obs);
        if (stored === true) return;
        error = stored;
      }
      const c = answer ? { retryable: true, message: storeFailure(error) } : classify(error);
      if (!c.retryable || task.attempt >= d.policy.attempts) return failed(task, c.message, obs);
      const delay = retryDelay(d.policy, task.attempt, c);
      const r = await d.tasks.retrying(task, c.message, delay);
      if (r.value) obs.retrying(c.message, delay);
      else obs.stopped('superseded');
      await d.publish(r);
      if (!r.value) return; // cancelled or taken over meanwhile
      await sleep(delay, signal);
    }
  }

  /** Stores the answer and hands on what it made ready: true, or why storing it failed (it is then kept for another try). */
  async function completeOnce(task: ClaimedTask, answer: Answer, began: number, obs: TaskRun): Promise<true | { storeError: unknown }> {
    let c: Awaited<ReturnType<RunStore['completeAndClaim']>>;
    try {
      c = await d.tasks.completeAndClaim(task, { ...answer, durationMs: d.now() - began }, d.continuation);
    } catch (err) {
      d.logger.error({ err, taskId: task.taskId, key: task.key }, 'storing the output of a task failed');
      return { storeError: err };
    }
    if (c.value) obs.completed();
    else {
      obs.stopped('superseded');
      // Not stored with an outcome: the calls' usage is recorded on its own.
      if (answer.calls.length > 0) await d.tasks.recordUsage(task.workflowId, answer.calls).catch((err) => d.logger.warn({ err: String(err) }, 'recording usage failed'));
    }
    // Both only after the commit; neither waits for the other. Dependents claimed here run already
    // (their task_started goes out with this publish, before anything they stream).
    await Promise.all([d.publish(c), c.value ? d.dispatch(c.value.ready) : undefined]);
    return true;
  }

  /** The failure's log line and metrics come from the task's telemetry (obs.failed). */
  async function failed(task: ClaimedTask, message: string, obs: TaskRun) {
    obs.failed(message);
    await d.publish(await d.tasks.fail(task, message));
  }

  /** Runs a task this process holds the lease of, to its end (or its cancel or shutdown). */
  async function runClaimed(task: ClaimedTask, startedSeq: number | Promise<number>, signal: AbortSignal, known?: DependencyOutput[]) {
    const obs = d.telemetry.task(task);
    try {
      await execute(task, startedSeq, signal, obs, known);
    } catch (err) {
      if (err instanceof CancelledSignal) return obs.stopped('cancelled'); // the cancel already wrote everything
      if (err instanceof BudgetStopSignal) return obs.stopped('cancelled'); // so did the budget's stop or pause
      if (err instanceof NotClaimedSignal) return obs.stopped('superseded');
      if (err instanceof ShutdownSignal) {
        obs.stopped('released');
        await d.tasks.release(task);
        return;
      }
      obs.stopped('error');
      throw err;
    }
  }

  async function run(ready: ReadyTask, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    // Where the store allows it, the run begins as soon as the claim is written (see continued).
    let early: Promise<void> | undefined;
    let claimed: Committed<ClaimedTask | null>;
    try {
      claimed = await d.tasks.claim(ready, (k) => (early = continued(k, signal)));
    } catch (err) {
      await early; // stopped: nothing was claimed
      throw err;
    }
    const task = claimed.value;
    if (!task) {
      // Finished, cancelled, or claimed by someone else. If it completed, make sure its ready
      // dependents are queued: whoever completed it may have died before queueing them.
      await d.dispatch(await d.tasks.readyDependents(ready));
      return;
    }
    // Committed already; the model call need not wait for the announcement.
    const announced = d.publish(claimed);
    await (early ?? runClaimed(task, claimed.events[0]!.seq, signal));
    await announced;
  }

  /**
   * A task run from the moment its claim is written, before that claim commits. If the claim does not
   * commit, its model call is aborted (the attempt stops on the rejected seq) and nothing is written.
   */
  async function continued(k: ContinuedTask, signal: AbortSignal) {
    const seq = k.startedSeq.then((n) => n ?? Promise.reject(new NotClaimedSignal('the claim of this task was not committed')));
    seq.catch(() => {}); // observed by the run's awaits
    await runClaimed(k.task, seq, signal, k.outputs);
  }

  return {
    run,
    /** A continued task: claimed with the completion that made it ready. */
    continued,
  };
}
