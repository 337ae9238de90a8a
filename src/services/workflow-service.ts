import { z } from 'zod';
import type { AgentStore } from '../agents/agent-store.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { isUniqueViolation } from '../db/sql.ts';
import type { Committed } from '../engine/transition.ts';
import { BatonError, NotFoundError } from '../errors.ts';
import type { Publisher } from '../events/publisher.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { validatePlan } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import type { CreateWorkflowInput, PlanWorkflowInput, Services } from './types.ts';
import { parseInput, storableString } from './validate.ts';

/** No control characters, no lone surrogates (neither is storable on every database). */
const PRINTABLE = /^(?:[^\u0000-\u001f\u007f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

const IDEMPOTENCY_INDEX = { name: 'workflows_tenant_idempotency_key_unique', columns: ['workflows.tenant', 'workflows.idempotency_key'] };

function inputSchemas(config: Config) {
  const text = (what: string) =>
    storableString().trim().min(1, `a non-empty ${what}`).max(config.maxTextChars, `a ${what} of at most ${config.maxTextChars} characters`);
  const channelId = storableString().max(128, 'a channelId of at most 128 characters').nullish();
  const idempotencyKey = z
    .string()
    .min(1, 'a non-empty idempotencyKey')
    .max(200, 'an idempotencyKey of at most 200 characters')
    .regex(PRINTABLE, 'an idempotencyKey without control characters or lone surrogates')
    .nullish();
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
      idempotencyKey,
    }),
    plan: z.object({ request: text('request'), channelId, autoStart: z.boolean().nullish(), idempotencyKey }),
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

  async function planInBackground(tenant: string, id: string, request: string, autoStart: boolean) {
    const ctrl = new AbortController();
    const done = (async () => {
      let text: string | null = null;
      const trace = await d.telemetry.planning(id);
      try {
        const draft = await d.planner.plan(tenant, request, ctrl.signal, trace);
        trace.done();
        text = draft.text;
        const validated = validatePlan(draft.tasks, { agents: await d.agents.activeNames(tenant), maxTasks: d.config.maxTasks });
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

  /**
   * Stores a workflow once per idempotency key (the caller has looked the key up already): when a
   * concurrent request with the key wins the insert, the answer is its workflow (`created` false).
   */
  async function createOnce(tenant: string, key: string | null | undefined, make: () => Promise<Committed<string>>): Promise<{ id: string; created: boolean }> {
    let c: Committed<string>;
    try {
      c = await make();
    } catch (err) {
      const winner = key && isUniqueViolation(err, IDEMPOTENCY_INDEX) ? await store.byIdempotencyKey(tenant, key) : null;
      if (winner) return { id: winner, created: false };
      throw err;
    }
    await d.publisher.committed(c);
    return { id: c.value, created: true };
  }

  /** Another tenant's workflow is NOT_FOUND exactly as an unknown id is (the transitions say the same). */
  async function owned(tenant: string, id: string): Promise<string> {
    if (!(await store.owned(tenant, id))) throw new NotFoundError('Workflow', id);
    return id;
  }

  return {
    async create(tenant, input) {
      const i = parseInput(schemas.create, input);
      const known = i.idempotencyKey ? await store.byIdempotencyKey(tenant, i.idempotencyKey) : null;
      if (known) return known;
      const validated = validatePlan(
        i.tasks.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: [...new Set(t.dependsOn ?? [])] })),
        { agents: await d.agents.activeNames(tenant), maxTasks: d.config.maxTasks },
      );
      const trace = d.telemetry.workflowTrace();
      const plan = { text: null, validated };
      const base = { tenant, idempotencyKey: i.idempotencyKey, description: i.description, channelId: i.channelId ?? null, orchestrator: 'orchestrator', metadata: trace?.metadata };
      const { id, created } = await createOnce(tenant, i.idempotencyKey, () => store.create({ ...base, plan }));
      if (created) trace?.created(id);
      return id;
    },
    async plan(tenant, input) {
      const i = parseInput(schemas.plan, input);
      const known = i.idempotencyKey ? await store.byIdempotencyKey(tenant, i.idempotencyKey) : null;
      if (known) return known;
      const autoStart = i.autoStart ?? false;
      const trace = d.telemetry.workflowTrace();
      const base = { tenant, idempotencyKey: i.idempotencyKey, description: i.request, channelId: i.channelId ?? null, orchestrator: 'orchestrator', metadata: trace?.metadata };
      const { id, created } = await createOnce(tenant, i.idempotencyKey, () => store.create({ ...base, autoStart }));
      if (created) {
        trace?.created(id);
        await planInBackground(tenant, id, i.request, autoStart);
      }
      return id;
    },
    start: async (tenant, id) => d.engine.start(await owned(tenant, id)),
    retry: async (tenant, id) => d.engine.retry(await owned(tenant, id)),
    async cancel(tenant, id) {
      await d.engine.cancel(await owned(tenant, id));
      planning.get(id)?.ctrl.abort();
    },
    remove: async (tenant, id) => store.remove(await owned(tenant, id)),
    eventsAfter: (tenant, id, afterSeq, untilSeq) => store.eventsAfter(tenant, id, afterSeq, untilSeq),
    /** Plans again what a stopped process left in PLANNING (single-process mode). */
    async resumePlanning() {
      for (const w of await store.planningWorkflows()) {
        if (!planning.has(w.id)) await planInBackground(w.tenant, w.id, w.description, w.autoStart);
      }
    },
    async stop() {
      for (const p of planning.values()) p.ctrl.abort();
      await Promise.all([...planning.values()].map((p) => p.done));
    },
  };
}
