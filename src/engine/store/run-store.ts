import type { Knex } from '@mikro-orm/knex';
import { toStorableText } from '../../text.ts';
import { decide } from '../core/index.ts';
import { APPROVALS } from '../core/policy.ts';
import type { EnginePolicy } from '../core/types.ts';
import type { ClaimedTask, Clock, Completion, DependencyOutput, ReadyTask, Slots, StartContinued, TaskOutcome } from '../types.ts';
import { createBatcher } from './batcher.ts';
import type { CompletionItem, Completed } from './complete-step.ts';
import { earlyStarts } from './early-starts.ts';
import type { HotPath } from './hot-path.ts';
import { createOutputCache } from './output-cache.ts';
import { editPlanTransition } from './edit-plan.ts';
import { replanTransitions } from './replan.ts';
import { steeringTransitions } from './steer.ts';
import { workflowReads } from './reads.ts';
import type { Connections } from './sql.ts';
import { taskTransitions } from './tasks.ts';
import type { Committed } from './transition.ts';
import { usageTransitions } from './usage.ts';
import { workflowTransitions } from './workflows.ts';

/** An adapter: its connections (and transaction helper) and its hot path, in its own SQL. */
export interface Adapter {
  conns: Connections;
  hot: HotPath;
}

/** What a completion asks of the scheduler that runs it: its slots, and who runs the dependents claimed into them. */
export interface Continuation {
  slots: Slots;
  /** Runs a dependent claimed into a reserved slot, from the moment its claim is written (see ContinuedTask). */
  run: StartContinued;
}

const NO_ROOM: Continuation = { slots: { reserve: () => false, unreserve: () => {} }, run: () => {} };

/**
 * The run store over one adapter: every transition of a workflow and its tasks, each one
 * transaction in which the core decides; reads outside any transition. It never starts work: it
 * returns what became runnable, and what it claimed into the slots it was given.
 */
export function createRunStore(knex: Knex, adapter: Adapter, clock: Clock, policy: EnginePolicy = APPROVALS) {
  const { conns, hot } = adapter;
  const now = () => clock.now();
  const outputs = createOutputCache(conns);
  const steering = steeringTransitions(knex, conns, clock, policy);

  const claimBatched = createBatcher<{ task: ReadyTask; early?: StartContinued }, Committed<ClaimedTask | null>>(async (workflowId, items) => {
    const batch = items.map((i) => i.task);
    const unique = [...new Map(batch.map((b) => [b.taskId, b])).values()];
    // A task asked for twice in one batch goes to its first caller; the other gets null.
    const firstCaller = new Map<string, number>();
    batch.forEach((t, i) => firstCaller.has(t.taskId) || firstCaller.set(t.taskId, i));
    const isFirst = (i: number) => firstCaller.get(batch[i]!.taskId) === i;
    const early = earlyStarts();
    let c: Committed<Map<string, ClaimedTask>>;
    try {
      c = await hot.claim(workflowId, unique, clock.id(), (claimed) =>
        // Each claimed task's runner may start its model call now, while the claim commits.
        items.forEach(({ task, early: start }, i) => {
          const mine = isFirst(i) ? claimed.get(task.taskId) : undefined;
          if (mine && start) start({ ready: task, task: mine, startedSeq: early.gate(task.taskId) });
        }),
      );
    } catch (err) {
      early.failed();
      throw err;
    }
    early.committed(c.events);
    // Each caller gets its own task and its own task_started event.
    const startedBy = new Map(c.events.map((e) => [(e.payload as { taskId: string }).taskId, e])); // task_started only
    return batch.map((task, i) => {
      const mine = isFirst(i) ? c.value.get(task.taskId) : undefined;
      const event = mine && startedBy.get(task.taskId);
      return { value: mine ?? null, events: event ? [event] : [], status: c.status, statusChanged: false, tenant: c.tenant };
    });
  });

  /**
   * Completions of one workflow that arrive together are committed in one transaction (group
   * commit), and so are the claims of the dependents the scheduler has room for.
   */
  const completeBatched = createBatcher<CompletionItem & { by: Continuation }, Committed<Completion | null>>(async (workflowId, batch) => {
    // One task completes once: a second completion of it in the same batch is refused.
    const seen = new Set<string>();
    const items = batch.filter(({ task }) => !seen.has(task.taskId) && seen.add(task.taskId));
    const counted = new Set(items);
    const { slots, run } = batch[0]!.by; // one scheduler per process
    const taken: string[] = []; // agents of reserved slots not yet handed to a run
    const early = earlyStarts();
    let c: Committed<Completed>;
    try {
      c = await hot.completeAndClaim(workflowId, items, {
        policy,
        lease: clock.id(),
        room: { take: (agent) => slots.reserve(agent) && taken.push(agent) > 0 },
        written: (k) => {
          taken.splice(taken.indexOf(k.task.agent), 1); // the run's slot now
          run({ ...k, startedSeq: early.gate(k.task.taskId) });
        },
      });
    } catch (err) {
      for (const agent of taken) slots.unreserve(agent);
      early.failed();
      throw err;
    }
    // Reserved slots whose task was not claimed after all go back.
    for (const agent of taken) slots.unreserve(agent);
    const { ready } = c.value;
    for (const { task, outcome } of items) if (ready.has(task.taskId)) outputs.remember(workflowId, { key: task.key, agent: task.agent, output: outcome.output });
    early.committed(c.events);
    // The first caller publishes the whole batch's events; each caller hands on the dependents it made ready.
    return batch.map(({ task }, i) => {
      const mine = counted.has(batch[i]!) ? ready.get(task.taskId) : undefined;
      const value: Completion | null = mine ? { ready: mine.filter((r) => !c.value.claimed.has(r.taskId)) } : null;
      return { value, events: i === 0 ? c.events : [], status: c.status, statusChanged: i === 0 && c.statusChanged, tenant: c.tenant };
    });
  });

  return {
    ...workflowTransitions(knex, conns, clock, policy),
    ...taskTransitions(knex, conns, clock),
    ...steering,
    ...editPlanTransition(knex, conns, clock, policy),
    ...replanTransitions(knex, conns, clock),
    ...workflowReads(knex, now),
    ...usageTransitions(conns, clock, policy),

    /**
     * PLANNED -> EXECUTING; returns the tasks that may run at once (held ones stay PENDING).
     * `written` gets them before the commit where the adapter can: a claim of one takes the
     * workflow's lock first, so it waits for this commit (and finds nothing if it fails).
     */
    start(id: string, written?: (ready: ReadyTask[]) => void): Promise<Committed<ReadyTask[]>> {
      return hot.start(id, policy, written);
    },

    /**
     * READY (or RUNNING, when taking over from a dead runner) -> RUNNING with a new lease.
     * Claims of one workflow made together (a fan-out) are committed in one transaction.
     */
    claim(task: ReadyTask, early?: StartContinued): Promise<Committed<ClaimedTask | null>> {
      return claimBatched(task.workflowId, { task, early });
    },

    /**
     * RUNNING -> COMPLETED; the dependents whose last dependency this was are returned to be queued,
     * or claimed into the scheduler's slots and handed to `by.run`. Null if the lease is gone.
     */
    completeAndClaim(task: ClaimedTask, outcome: TaskOutcome, by: Continuation = NO_ROOM): Promise<Committed<Completion | null>> {
      // A model's answer: what no store accepts becomes U+FFFD (see text.ts).
      const output = toStorableText(outcome.output);
      // The hold after a run (AFTER_RUN): the output waits for a review; nothing is made runnable.
      if (decide.holdsAfterRun(policy, task)) return steering.holdForReview(task, { ...outcome, output });
      return completeBatched(task.workflowId, { task, outcome: output === outcome.output ? outcome : { ...outcome, output }, by });
    },

    /**
     * The outputs of these tasks of one workflow, in order: those given, then those this process
     * completed, then the rest from the database (reads for one workflow made together are one query).
     */
    dependencyOutputs(workflowId: string, keys: string[], given: DependencyOutput[] = []): Promise<DependencyOutput[]> {
      return outputs.outputs(workflowId, keys, given);
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
