import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import { APPROVAL_MODES } from '../engine/types.ts';
import type { AgentStore } from '../agents/agent-store.ts';
import type { Config } from '../config.ts';
import type { PlanHandler } from '../engine/dispatcher.ts';
import type { Engine } from '../engine/engine.ts';
import { isUniqueViolation } from '../db/sql.ts';
import type { Committed } from '../engine/store/index.ts';
import { BatonError, NotFoundError } from '../errors.ts';
import type { Publisher } from '../events/publisher.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { validatePlan } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import { planMetering } from './plan-meter.ts';
import type { BudgetInput, Services } from './types.ts';
import { type Budget, BUDGET_ACTIONS } from '../engine/core/budget.ts';
import { parseInput, storableString } from '../validate.ts';
import { replanWorkflow, runReplan } from './replan.ts';

/** No control characters, no lone surrogates (neither is storable on every database). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused
const PRINTABLE = /^(?:[^\u0000-\u001f\u007f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

const IDEMPOTENCY_INDEX = { name: 'workflows_tenant_idempotency_key_unique', columns: ['workflows.tenant', 'workflows.idempotency_key'] };

function inputSchemas(config: Config) {
  const text = (what: string) => storableString().trim().min(1, `a non-empty ${what}`).max(config.maxTextChars, `a ${what} of at most ${config.maxTextChars} characters`);
  const channelId = storableString().max(128, 'a channelId of at most 128 characters').nullish();
  const idempotencyKey = z
    .string()
    .min(1, 'a non-empty idempotencyKey')
    .max(200, 'an idempotencyKey of at most 200 characters')
    .regex(PRINTABLE, 'an idempotencyKey without control characters or lone surrogates')
    .nullish();
  const taskList = z
    .array(
      z.object({
        key: storableString().trim().min(1, 'a non-empty key').max(64, 'a key of at most 64 characters'),
        agent: storableString().trim().min(1, 'an agent name').max(65),
        description: text('task description'),
        dependsOn: z.array(storableString().trim()).max(config.maxTasks).nullish(),
        approval: z.enum(APPROVAL_MODES).nullish(),
      }),
    )
    .max(config.maxTasks, `at most ${config.maxTasks} tasks`);
  const budget = z
    .object({
      maxTokens: z.number().int().min(1, 'a maxTokens of at least 1').nullish(),
      maxCostUsd: z.number().finite().positive('a positive maxCostUsd').max(1_000_000, 'a maxCostUsd of at most 1000000').nullish(),
      onExceed: z.enum(BUDGET_ACTIONS).nullish(),
    })
    .nullish();
  return {
    create: z.object({
      description: text('description'),
      channelId,
      tasks: taskList,
      idempotencyKey,
      budget,
    }),
    plan: z.object({ request: text('request'), channelId, autoStart: z.boolean().nullish(), idempotencyKey, approval: z.enum(APPROVAL_MODES).nullish(), budget }),
    edit: z.object({ tasks: taskList, revision: z.number().int().min(0) }),
    /** A decision's comment, feedback or reason. */
    note: text('comment'),
    budget,
  };
}

/** A budget as given (both limits null or absent: none), or the configured default when none is given. */
function budgetOf(given: BudgetInput | null | undefined, fallback: Budget | null): Budget | null {
  if (given == null) return fallback;
  if (given.maxTokens == null && given.maxCostUsd == null) return null;
  return { maxTokens: given.maxTokens ?? null, maxCostUsd: given.maxCostUsd ?? null, onExceed: given.onExceed ?? 'STOP' };
}

/** Who took a decision, as its event records it. */
const decider = (p: Principal) => ({ keyId: p.keyId, keyName: p.keyName });

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

/** The workflow use cases behind the GraphQL mutations, and the planning job that workers run. */
export function createWorkflowService(d: WorkflowServiceDeps): Services['workflows'] & { runPlanning: PlanHandler } {
  const schemas = inputSchemas(d.config);
  const store = d.engine.store;

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
    if (job.replan) return runReplan(d, id, job.tenant, job.replan, signal);
    let text: string | null = null;
    const trace = await d.telemetry.planning(id);
    // The orchestrator's calls count toward the workflow's usage.
    const usage = planMetering(d.engine, id);
    try {
      const draft = await d.planner.plan(job.tenant, job.request, signal, trace, usage.meter).finally(() => usage.done());
      trace.done();
      text = draft.text;
      const validated = validatePlan(draft.tasks, { agents: await d.agents.activeNames(job.tenant), maxTasks: d.config.maxTasks });
      if (signal.aborted) return;
      const c = await store.replacePlan(id, draft.text, validated);
      await d.publisher.committed(c);
      if (c.value && job.autoStart) await d.engine.start(id);
    } catch (err) {
      trace.done(signal.aborted ? 'cancelled' : 'failed');
      if (signal.aborted) return;
      // Nothing of a plan may take the process down (a restart would plan it again).
      await planningFailed(id, err, text).catch((e) => d.logger.error({ err: e, workflowId: id }, 'planning could not be ended'));
    }
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
        i.tasks.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: [...new Set(t.dependsOn ?? [])], approval: t.approval ?? 'NONE' })),
        { agents: await d.agents.activeNames(tenant), maxTasks: d.config.maxTasks },
      );
      const trace = d.telemetry.workflowTrace();
      const plan = { text: null, validated };
      const base = {
        tenant,
        idempotencyKey: i.idempotencyKey,
        description: i.description,
        channelId: i.channelId ?? null,
        orchestrator: 'orchestrator',
        metadata: trace?.metadata,
        budget: budgetOf(i.budget, d.config.defaultBudget),
      };
      const { id, created } = await createOnce(tenant, i.idempotencyKey, () => store.create({ ...base, plan }));
      if (created) trace?.created(id);
      return id;
    },
    async plan(tenant, input) {
      const i = parseInput(schemas.plan, input);
      const known = i.idempotencyKey ? await store.byIdempotencyKey(tenant, i.idempotencyKey) : null;
      if (known) return known;
      const trace = d.telemetry.workflowTrace();
      // planWorkflow's approval is kept with the workflow and applied to every task its plan has (see replacePlan).
      const metadata = { ...trace?.metadata, ...(i.approval && i.approval !== 'NONE' ? { approval: i.approval } : {}) };
      const base = {
        tenant,
        idempotencyKey: i.idempotencyKey,
        description: i.request,
        channelId: i.channelId ?? null,
        orchestrator: 'orchestrator',
        metadata,
        budget: budgetOf(i.budget, d.config.defaultBudget),
      };
      const { id, created } = await createOnce(tenant, i.idempotencyKey, () => store.create({ ...base, autoStart: i.autoStart ?? false }));
      if (created) {
        trace?.created(id);
        // Planned by a worker (this process, in embedded mode). If this process dies before the job
        // is queued, a worker's recovery queues it (the workflow is PLANNING).
        await d.engine.plan(id);
      }
      return id;
    },
    start: async (tenant, id) => d.engine.start(await owned(tenant, id)),
    retry: async (tenant, id) => d.engine.retry(await owned(tenant, id)),
    // Aborts the planning call too, wherever it runs (the engine's cancel reaches every process).
    cancel: async (tenant, id) => d.engine.cancel(await owned(tenant, id)),
    remove: async (tenant, id) => store.remove(await owned(tenant, id)),
    async editPlan(p, id, input) {
      const i = parseInput(schemas.edit, input);
      const validated = validatePlan(
        i.tasks.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: [...new Set(t.dependsOn ?? [])], approval: t.approval ?? 'NONE' })),
        { agents: await d.agents.activeNames(p.tenant), maxTasks: d.config.maxTasks },
      );
      await d.engine.editPlan(await owned(p.tenant, id), i.revision, validated, decider(p));
    },
    replan: async (p, id, feedback, autoStart) =>
      replanWorkflow(d, await owned(p.tenant, id), feedback == null ? null : parseInput(schemas.note, feedback), autoStart ?? false, decider(p)),
    rerunTask: (p, taskId, description) => d.engine.rerunTask(p.tenant, taskId, description == null ? null : parseInput(schemas.note, description)),
    pause: async (p, id) => d.engine.pauseOrResume('pause', await owned(p.tenant, id), decider(p)),
    resume: async (p, id) => d.engine.pauseOrResume('resume', await owned(p.tenant, id), decider(p)),
    setBudget: async (p, id, budget) => d.engine.setBudget(await owned(p.tenant, id), budgetOf(parseInput(schemas.budget, budget) ?? null, null)),
    approveTask: (p, taskId, comment) => d.engine.decide('approve', p.tenant, taskId, decider(p), comment == null ? null : parseInput(schemas.note, comment)),
    requestChanges: (p, taskId, feedback) => d.engine.decide('requestChanges', p.tenant, taskId, decider(p), parseInput(schemas.note, feedback)),
    rejectTask: (p, taskId, reason) => d.engine.decide('reject', p.tenant, taskId, decider(p), parseInput(schemas.note, reason)),
    eventsAfter: (tenant, id, afterSeq, untilSeq) => store.eventsAfter(tenant, id, afterSeq, untilSeq),
    runPlanning,
  };
}
