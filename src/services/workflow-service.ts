import { z } from 'zod';
import type { AgentStore } from '../agents/agent-store.ts';
import type { Config } from '../config.ts';
import type { PlanHandler } from '../engine/dispatcher.ts';
import type { Engine } from '../engine/engine.ts';
import { BatonError } from '../errors.ts';
import type { Publisher } from '../events/publisher.ts';
import type { Logger } from '../logger.ts';
import { validatePlan } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import type { CreateWorkflowInput, PlanWorkflowInput, Services } from './types.ts';
import { parseInput } from './validate.ts';

function inputSchemas(config: Config) {
  const text = (what: string) =>
    z.string().trim().min(1, `a non-empty ${what}`).max(config.maxTextChars, `a ${what} of at most ${config.maxTextChars} characters`);
  const channelId = z.string().max(128, 'a channelId of at most 128 characters').nullish();
  return {
    create: z.object({
      description: text('description'),
      channelId,
      tasks: z
        .array(
          z.object({
            key: z.string().trim().min(1, 'a non-empty key').max(64, 'a key of at most 64 characters'),
            agent: z.string().trim().min(1, 'an agent name').max(65),
            description: text('task description'),
            dependsOn: z.array(z.string().trim()).max(config.maxTasks).nullish(),
          }),
        )
        .max(config.maxTasks, `at most ${config.maxTasks} tasks`),
    }),
    plan: z.object({ request: text('request'), channelId, autoStart: z.boolean().nullish() }),
  };
}

export interface WorkflowServiceDeps {
  config: Config;
  engine: Engine;
  agents: AgentStore;
  planner: Planner;
  publisher: Publisher;
  logger: Logger;
}

/** The workflow use cases behind the GraphQL mutations, and the planning job that workers run. */
export function createWorkflowService(d: WorkflowServiceDeps): Services['workflows'] & { runPlanning: PlanHandler } {
  const schemas = inputSchemas(d.config);
  const store = d.engine.workflows;

  /**
   * The planning job: the orchestrator's call for a workflow in PLANNING, then its plan (or its
   * failure) committed, then the autoStart. Runs where tasks run; any number of times for one
   * workflow (after a crash, or twice at once if a lock expired): only a PLANNING workflow is
   * planned, and only one plan commits. Stopped by a cancel or a shutdown, it writes nothing:
   * the cancel has written everything, and a shutdown leaves the job to another process.
   */
  async function runPlanning(id: string, signal: AbortSignal): Promise<void> {
    const job = await store.planningRequest(id);
    if (!job || signal.aborted) return;
    let text: string | null = null;
    try {
      const draft = await d.planner.plan(job.request, signal);
      text = draft.text;
      const validated = validatePlan(draft.tasks, { agents: await d.agents.activeNames(), maxTasks: d.config.maxTasks });
      if (signal.aborted) return;
      const c = await store.planned(id, draft.text, validated);
      await d.publisher.committed(c);
      if (c.value && job.autoStart) await d.engine.start(id);
    } catch (err) {
      if (signal.aborted) return;
      const message = err instanceof BatonError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
      d.logger.warn({ workflowId: id, error: message }, 'planning failed');
      await d.publisher.committed(await store.planningFailed(id, message, text));
    }
  }

  return {
    async create(input: CreateWorkflowInput) {
      const i = parseInput(schemas.create, input);
      const validated = validatePlan(
        i.tasks.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: [...new Set(t.dependsOn ?? [])] })),
        { agents: await d.agents.activeNames(), maxTasks: d.config.maxTasks },
      );
      const c = await store.create({ description: i.description, channelId: i.channelId ?? null, orchestrator: 'orchestrator', plan: { text: null, validated } });
      await d.publisher.committed(c);
      return c.value;
    },
    async plan(input: PlanWorkflowInput) {
      const i = parseInput(schemas.plan, input);
      const c = await store.create({ description: i.request, channelId: i.channelId ?? null, orchestrator: 'orchestrator', autoStart: i.autoStart ?? false });
      await d.publisher.committed(c);
      // Planned by a worker (this process, in embedded mode). If this process dies before the job
      // is queued, a worker's recovery queues it (the workflow is PLANNING).
      await d.engine.plan(c.value);
      return c.value;
    },
    start: (id) => d.engine.start(id),
    retry: (id) => d.engine.retry(id),
    // Aborts the planning call too, wherever it runs (the engine's cancel reaches every process).
    cancel: (id) => d.engine.cancel(id),
    remove: (id) => store.remove(id),
    eventsAfter: (id, afterSeq, untilSeq) => store.eventsAfter(id, afterSeq, untilSeq),
    runPlanning,
  };
}
