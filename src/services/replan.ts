import type { AgentStore } from '../agents/agent-store.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { DecidedBy } from '../engine/types.ts';
import { InvalidStateError, NotFoundError, PlanInvalidError } from '../errors.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { validatePlan } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import type { ReplanContext } from '../planning/replan-prompt.ts';
import type { PlannedTask } from '../planning/types.ts';
import type { ReplanSource } from '../engine/store/reads.ts';

const REPLANNABLE = ['PLANNED', 'FAILED', 'CANCELLED'];

/** What the orchestrator is given from a stored workflow. Pure. */
export function replanContext(src: ReplanSource, feedback: string | null): ReplanContext {
  if (src.status === 'PLANNED') return { request: src.request, feedback, finished: [], failed: [], unfinished: [] };
  return {
    request: src.request,
    feedback,
    finished: src.tasks.filter((t) => t.status === 'COMPLETED').map((t) => ({ key: t.key, agent: t.agent, description: t.description, output: t.output ?? '' })),
    failed: src.tasks
      .filter((t) => t.status === 'FAILED' || t.status === 'REJECTED')
      .map((t) => ({ key: t.key, agent: t.agent, description: t.description, status: t.status, error: t.error ?? src.error ?? 'no reason recorded' })),
    unfinished: src.tasks.filter((t) => t.status !== 'COMPLETED').map((t) => t.key),
  };
}

/**
 * The full task list after a replan: on a PLANNED workflow, the new plan; otherwise the completed
 * tasks exactly as stored, then the replacements (which may not take a completed task's key). Pure.
 */
export function replannedTasks(src: ReplanSource, replacements: PlannedTask[]): PlannedTask[] {
  if (src.status === 'PLANNED') return replacements;
  const finished = src.tasks.filter((t) => t.status === 'COMPLETED');
  const done = new Set(finished.map((t) => t.key));
  const clash = replacements.find((t) => done.has(t.key));
  if (clash) throw new PlanInvalidError(`the new plan's task ${clash.key} takes the key of a finished task`, { taskKey: clash.key });
  const kept = finished.map(({ key, agent, description, dependsOn, approval }) => ({ key, agent, description, dependsOn, approval }));
  return [...kept, ...replacements];
}

export interface ReplanDeps {
  config: Config;
  engine: Engine;
  agents: AgentStore;
  planner: Planner;
  telemetry: Pick<Telemetry, 'planning'>;
}

/**
 * replanWorkflow. The orchestrator's call is made here, in the API process that took the mutation
 * (not as a planning job); the new plan is applied through editPlan's validated transition, at once
 * or not at all. A planning failure leaves the workflow as it was and reaches the caller as its error.
 */
export async function replanWorkflow(d: ReplanDeps, tenant: string, id: string, feedback: string | null, autoStart: boolean, by: DecidedBy): Promise<void> {
  const src = await d.engine.store.replanSource(id);
  if (!src) throw new NotFoundError('Workflow', id);
  if (!REPLANNABLE.includes(src.status)) {
    throw new InvalidStateError(`workflow ${id} is ${src.status}; only a PLANNED, FAILED or CANCELLED workflow can be replanned`, { status: src.status });
  }
  await d.engine.replanning(id);
  const trace = await d.telemetry.planning(id);
  let draft;
  try {
    draft = await d.planner.replan(tenant, replanContext(src, feedback), undefined, trace);
    trace.done();
  } catch (err) {
    trace.done('failed');
    throw err;
  }
  const validated = validatePlan(replannedTasks(src, draft.tasks), { agents: await d.agents.activeNames(tenant), maxTasks: d.config.maxTasks });
  // The revision read before the call: a concurrent replan or edit meanwhile makes this one a CONFLICT.
  await d.engine.editPlan(id, src.revision, validated, by, { text: draft.text });
  if (!autoStart) return;
  if (src.status === 'PLANNED') await d.engine.start(id);
  else await d.engine.retry(id);
}
