import type { AIMessageChunk } from '@langchain/core/messages';
import type { AgentStore } from '../agents/agent-store.ts';
import type { ModelFactory } from '../agents/model-factory.ts';
import { attemptWithTimeout, backoff, classify, EmptyAnswerError, type RetryPolicy, sleep } from '../agents/retry.ts';
import { buildTaskPrompt } from '../agents/task-prompt.ts';
import type { Logger } from '../logger.ts';
import { CancelledSignal, ShutdownSignal } from './dispatcher.ts';
import type { TaskStore } from './task-store.ts';
import type { Committed } from './transition.ts';
import type { ClaimedTask, ContinuedTask, DependencyOutput, ReadyTask, TokenUsage } from './types.ts';

export interface RunnerDeps {
  tasks: TaskStore;
  agents: AgentStore;
  models: ModelFactory;
  policy: RetryPolicy;
  contextBudgetChars: number;
  now: () => number;
  logger: Logger;
  /** Publishes committed events (after commit). */
  publish: (c: Committed<unknown>) => Promise<void>;
  /** Live-only streamed text of a running task. */
  publishOutput: (task: ClaimedTask, startedSeq: number, index: number, text: string) => void;
  /** Hands newly ready tasks to the dispatcher. */
  dispatch: (tasks: ReadyTask[]) => Promise<void>;
  /** Runs a dependent this process claimed in a slot it reserved (the dispatcher tracks it). */
  continueWith: (task: ContinuedTask) => void;
}

const textOf = (c: AIMessageChunk) =>
  typeof c.content === 'string' ? c.content : c.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('');

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
  async function callModel(task: ClaimedTask, startedSeq: number | Promise<number>, signal: AbortSignal, known?: DependencyOutput[]) {
    const [agent, dependencies] = await Promise.all([d.agents.getCached(task.tenant, task.agent), d.tasks.dependencyOutputs(task.workflowId, task.dependsOn, known)]);
    if (!agent) throw new Error(`agent @${task.agent} no longer exists`);
    const model = await d.models({ agentName: agent.name, model: agent.model, temperature: agent.temperature, maxTokens: agent.maxTokens });
    const messages = buildTaskPrompt({
      systemPrompt: agent.systemPrompt,
      request: task.request,
      task: { key: task.key, agent: task.agent, description: task.description },
      dependencies,
      budgetChars: d.contextBudgetChars,
    });
    // A run started before its claim committed stops at once if the claim does not commit.
    const unclaimed = typeof startedSeq === 'number' ? undefined : startedSeq;
    return attemptWithTimeout(d.policy.timeoutMs, signal, async (s) => {
      let output = '';
      let index = 0;
      const usage: TokenUsage = { input: 0, output: 0 };
      for await (const chunk of await model.stream(messages, { signal: s })) {
        const text = textOf(chunk);
        if (chunk.usage_metadata) {
          usage.input = Math.max(usage.input, chunk.usage_metadata.input_tokens ?? 0);
          usage.output = Math.max(usage.output, chunk.usage_metadata.output_tokens ?? 0);
        }
        if (!text) continue;
        output += text;
        d.publishOutput(task, typeof startedSeq === 'number' ? startedSeq : await startedSeq, index++, text);
      }
      if (output.trim() === '') throw new EmptyAnswerError();
      return { output, usage };
    }, unclaimed);
  }

  async function execute(task: ClaimedTask, startedSeq: number | Promise<number>, signal: AbortSignal, known?: DependencyOutput[]) {
    const began = d.now();
    for (;;) {
      let answer: { output: string; usage: TokenUsage };
      try {
        answer = await callModel(task, startedSeq, signal, known);
      } catch (err) {
        await startedSeq;
        if (signal.aborted) throw signal.reason;
        const c = classify(err);
        if (c.retryable && task.attempt < d.policy.attempts) {
          const delay = backoff(d.policy, task.attempt);
          const r = await d.tasks.retrying(task, c.message, delay);
          await d.publish(r);
          if (!r.value) return; // cancelled or taken over meanwhile
          await sleep(delay, signal);
          continue;
        }
        d.logger.warn({ taskId: task.taskId, key: task.key, error: c.message }, 'task failed');
        await d.publish(await d.tasks.fail(task, c.message));
        return;
      }
      await startedSeq;
      const c = await d.tasks.complete(task, { ...answer, durationMs: d.now() - began });
      // All only after the commit; none waits for another. The publishes are issued first, so a
      // continued task's task_started goes out before anything it streams.
      const published = d.publish(c);
      c.value?.continued.forEach((k) => d.continueWith(k));
      await Promise.all([published, c.value ? d.dispatch(c.value.ready) : undefined]);
      return;
    }
  }

  /** Runs a task this process holds the lease of, to its end (or its cancel or shutdown). */
  async function runClaimed(task: ClaimedTask, startedSeq: number | Promise<number>, signal: AbortSignal, known?: DependencyOutput[]) {
    try {
      await execute(task, startedSeq, signal, known);
    } catch (err) {
      if (err instanceof CancelledSignal) return; // the cancel already wrote everything
      if (err instanceof NotClaimedSignal) return;
      if (err instanceof ShutdownSignal) {
        await d.tasks.release(task);
        return;
      }
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
