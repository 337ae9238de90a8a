import type { AgentStore } from '../agents/agent-store.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { planMetering } from './plan-meter.ts';
import type { DecidedBy } from '../engine/types.ts';
import { BatonError, PlanInvalidError } from '../errors.ts';
import type { Publisher } from '../events/publisher.ts';
import type { Logger } from '../logger.ts';
import type { ReplanRequest } from '../engine/core/index.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { validatePlan } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import type { ReplanContext } from '../planning/replan-prompt.ts';
import type { PlannedTask } from '../planning/types.ts';
import type { ReplanSource } from '../engine/store/reads.ts';

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
  publisher: Publisher;
  logger: Logger;
  telemetry: Pick<Telemetry, 'planning'>;
}

/**
 * replanWorkflow: records the request (the workflow PLANNING, its `planning` event naming the
 * feedback and who asked) and queues its planning job. No model call here: the job runs wherever
 * tasks run (issue #17), and is recovered like any planning job.
 */
export async function replanWorkflow(d: Pick<ReplanDeps, 'engine'>, id: string, feedback: string | null, autoStart: boolean, by: DecidedBy): Promise<void> {
  await d.engine.requestReplan(id, { feedback, autoStart, by });
}

/**
 * The planning job of a replan request: the orchestrator's call, then the new plan applied through
 * editPlan's validated transition (at once or not at all, with the retry when autoStart), then a
 * PLANNED workflow's autoStart (PLANNING, PLANNED, EXECUTING: as a planWorkflow's). A failure puts the
 * workflow back as it was, with `replan_failed` and the error's code. Stopped by a cancel or a
 * shutdown, it writes nothing (as the first planning job).
 */
export async function runReplan(d: ReplanDeps, id: string, tenant: string, req: ReplanRequest, signal: AbortSignal): Promise<void> {
  const stored = await d.engine.store.replanSource(id);
  if (!stored || signal.aborted) return;
  // The workflow is PLANNING now; what the orchestrator is given is the workflow as it was.
  const src: ReplanSource = { ...stored, status: req.from };
  const trace = await d.telemetry.planning(id);
  try {
    const usage = planMetering(d.engine, id);
    const draft = await d.planner.replan(tenant, replanContext(src, req.feedback), signal, trace, usage.meter).finally(() => usage.done());
    trace.done();
    const validated = validatePlan(replannedTasks(src, draft.tasks), { agents: await d.agents.activeNames(tenant), maxTasks: d.config.maxTasks });
    if (signal.aborted) return;
    await d.engine.editPlan(id, req.revision, validated, req.by, { text: draft.text, id: req.id });
  } catch (err) {
    trace.done(signal.aborted ? 'cancelled' : 'failed');
    if (signal.aborted) return;
    await replanFailed(d, id, req, err).catch((e) => d.logger.error({ err: e, workflowId: id }, 'the failed replan could not be recorded'));
    return;
  }
  // A FAILED or CANCELLED workflow's autoStart is its retry, committed with the plan (see retryReplanned).
  if (req.autoStart && req.from === 'PLANNED') await d.engine.start(id);
}

/** Records a replan's failure: its code (a Baton error's; REPLAN_FAILED for anything else, whose message may quote SQL) and message. */
async function replanFailed(d: ReplanDeps, id: string, req: ReplanRequest, err: unknown) {
  const known = err instanceof BatonError;
  if (!known) d.logger.error({ err, workflowId: id }, 'replanning failed unexpectedly');
  const code = known ? err.code : 'REPLAN_FAILED';
  const message = known ? err.message : 'the new plan could not be stored';
  d.logger.warn({ workflowId: id, code, error: message }, 'replanning failed');
  await d.publisher.committed(await d.engine.store.replanFailed(id, req.id, code, message));
}
