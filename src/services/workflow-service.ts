import { z } from 'zod';
import type { AgentStore } from '../agents/agent-store.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { BatonError } from '../errors.ts';
import type { Publisher } from '../events/publisher.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { validatePlan } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import type { CreateWorkflowInput, PlanWorkflowInput, Services } from './types.ts';
import { parseInput, storableString } from './validate.ts';

function inputSchemas(config: Config) {
  const text = (what: string) =>
    storableString().trim().min(1, `a non-empty ${what}`).max(config.maxTextChars, `a ${what} of at most ${config.maxTextChars} characters`);
  const channelId = storableString().max(128, 'a channelId of at most 128 characters').nullish();
  return {
    create: z.object({
      description: text('description'),
      channelId,
      tasks: z
        .array(
          z.object({
            key: storableString().trim().min(1, 'a non-empty key').max(64, 'a key of at most 64 characters'),
            agent: storableString().trim().min(1, 'an agent name').max(65),
            description: text('task description'),
            dependsOn: z.array(storableString().trim()).max(config.maxTasks).nullish(),
          }),
        )
        .max(config.maxTasks, `at most ${config.maxTasks} tasks`),
    }),
    plan: z.object({ request: text('request'), channelId, autoStart: z.boolean().nullish() }),
  };
}

const errorKind = (e: unknown) => {
  const { code, name } = (e ?? {}) as { code?: unknown; name?: unknown };
  return typeof code === 'string' ? code : typeof name === 'string' ? name : 'error';
};

export interface WorkflowServiceDeps {
  config: Config;
  engine: Engine;
  agents: AgentStore;
  planner: Planner;
  publisher: Publisher;
  logger: Logger;
  telemetry: Pick<Telemetry, 'workflowTrace' | 'planning'>;
}

/** The workflow use cases behind the GraphQL mutations. */
export function createWorkflowService(d: WorkflowServiceDeps): Services['workflows'] & { stop(): Promise<void>; resumePlanning(): Promise<void> } {
  const schemas = inputSchemas(d.config);
  const store = d.engine.workflows;
  const planning = new Map<string, { ctrl: AbortController; done: Promise<void> }>();

  async function planInBackground(id: string, request: string, autoStart: boolean) {
    const ctrl = new AbortController();
    const done = (async () => {
      let text: string | null = null;
      const trace = await d.telemetry.planning(id);
      try {
        const draft = await d.planner.plan(request, ctrl.signal, trace);
        trace.done();
        text = draft.text;
        const validated = validatePlan(draft.tasks, { agents: await d.agents.activeNames(), maxTasks: d.config.maxTasks });
        const c = await store.planned(id, draft.text, validated);
        await d.publisher.committed(c);
        if (c.value && autoStart) await d.engine.start(id);
      } catch (err) {
        trace.done(ctrl.signal.aborted ? 'cancelled' : 'failed');
        if (ctrl.signal.aborted) return;
        await planningFailed(id, err, text);
      }
    })()
      // Nothing of a plan may take the process down (an unhandled rejection would, and a restart would plan it again).
      .catch((err) => d.logger.error({ err, workflowId: id }, 'planning could not be ended'))
      .finally(() => planning.delete(id));
    planning.set(id, { ctrl, done });
  }

  /** Ends a workflow whose planning failed: FAILED with the reason, and the answer if that can be stored. */
  async function planningFailed(id: string, err: unknown, text: string | null) {
    // Errors that are not Baton's are the store's: their message may quote the SQL (and the plan), so only their kind is kept.
    const message = err instanceof BatonError ? `${err.code}: ${err.message}` : `the plan could not be stored (${errorKind(err)})`;
    if (!(err instanceof BatonError)) d.logger.error({ err, workflowId: id }, 'storing a plan failed');
    d.logger.warn({ workflowId: id, error: message }, 'planning failed');
    try {
      await d.publisher.committed(await store.planningFailed(id, message, text));
    } catch (again) {
      d.logger.error({ err: again, workflowId: id }, 'storing the failed plan failed; storing the failure without its text');
      await d.publisher.committed(await store.planningFailed(id, message, null));
    }
  }

  return {
    async create(input: CreateWorkflowInput) {
      const i = parseInput(schemas.create, input);
      const validated = validatePlan(
        i.tasks.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: [...new Set(t.dependsOn ?? [])] })),
        { agents: await d.agents.activeNames(), maxTasks: d.config.maxTasks },
      );
      const trace = d.telemetry.workflowTrace();
      const c = await store.create({ description: i.description, channelId: i.channelId ?? null, orchestrator: 'orchestrator', plan: { text: null, validated }, metadata: trace?.metadata });
      trace?.created(c.value);
      await d.publisher.committed(c);
      return c.value;
    },
    async plan(input: PlanWorkflowInput) {
      const i = parseInput(schemas.plan, input);
      const trace = d.telemetry.workflowTrace();
      const c = await store.create({ description: i.request, channelId: i.channelId ?? null, orchestrator: 'orchestrator', autoStart: i.autoStart ?? false, metadata: trace?.metadata });
      trace?.created(c.value);
      await d.publisher.committed(c);
      await planInBackground(c.value, i.request, i.autoStart ?? false);
      return c.value;
    },
    start: (id) => d.engine.start(id),
    retry: (id) => d.engine.retry(id),
    async cancel(id) {
      await d.engine.cancel(id);
      planning.get(id)?.ctrl.abort();
    },
    remove: (id) => store.remove(id),
    eventsAfter: (id, afterSeq, untilSeq) => store.eventsAfter(id, afterSeq, untilSeq),
    /** Plans again what a stopped process left in PLANNING (single-process mode). */
    async resumePlanning() {
      for (const w of await store.planningWorkflows()) {
        if (!planning.has(w.id)) await planInBackground(w.id, w.description, w.autoStart);
      }
    },
    async stop() {
      for (const p of planning.values()) p.ctrl.abort();
      await Promise.all([...planning.values()].map((p) => p.done));
    },
  };
}
