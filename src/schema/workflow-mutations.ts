import { NotFoundError } from '../errors.ts';
import type { Services } from '../services/types.ts';
import { builder } from './builder.ts';
import { type Context, freshReads } from './context.ts';
import { encodeGlobalId, requireLocalId } from './ids.ts';
import type { WorkflowRow } from './loaders.ts';
import { Workflow } from './workflow.ts';
import { Task } from './task.ts';
import { ApprovalModeEnum } from './common.ts';
import { BudgetInput } from './usage.ts';

/** The same field on both create inputs. */
const IDEMPOTENCY_KEY = {
  description:
    'Up to 200 characters chosen by the client (e.g. a UUID). Sent again within 24 hours by the same tenant, the answer is ' +
    'the workflow created the first time, never a second one (also for concurrent requests). One key space for ' +
    'planWorkflow and createWorkflow; the rest of the input is not compared.',
};

const BUDGET_DESCRIPTION = 'Limits on its model calls (the planning call included); absent: DEFAULT_BUDGET_TOKENS / DEFAULT_BUDGET_USD; both limits null: none.';

const TaskInput = builder.inputType('TaskInput', {
  fields: (t) => ({
    key: t.string({ required: true, description: 'Unique within the workflow, e.g. "1".' }),
    agent: t.string({ required: true, description: 'An active agent: "backend" or "@backend".' }),
    description: t.string({ required: true }),
    dependsOn: t.stringList({ description: 'Keys of tasks that must complete first.' }),
    approval: t.field({ type: ApprovalModeEnum, defaultValue: 'NONE', description: 'Whether the task waits for a person before it runs or after.' }),
  }),
});

const CreateWorkflowInput = builder.inputType('CreateWorkflowInput', {
  description:
    'A manual plan. Refused with PLAN_INVALID (cycle, missing or self dependency, duplicate key, no tasks, unknown agent) or BAD_USER_INPUT (size limits); nothing is stored then.',
  fields: (t) => ({
    description: t.string({ required: true }),
    channelId: t.string(),
    tasks: t.field({ type: [TaskInput], required: true }),
    idempotencyKey: t.string(IDEMPOTENCY_KEY),
    budget: t.field({ type: BudgetInput, description: BUDGET_DESCRIPTION }),
  }),
});

const PlanWorkflowInput = builder.inputType('PlanWorkflowInput', {
  fields: (t) => ({
    request: t.string({ required: true, description: 'What to build, in natural language; the orchestrator plans it.' }),
    channelId: t.string(),
    autoStart: t.boolean({ defaultValue: false, description: 'Start executing as soon as the plan is ready.' }),
    approval: t.field({ type: ApprovalModeEnum, defaultValue: 'NONE', description: 'Applied to every planned task.' }),
    idempotencyKey: t.string(IDEMPOTENCY_KEY),
    budget: t.field({ type: BudgetInput, description: BUDGET_DESCRIPTION }),
  }),
});

const EditPlanInput = builder.inputType('EditPlanInput', {
  description: 'The full desired task list, and the planRevision it was read at.',
  fields: (t) => ({
    tasks: t.field({ type: [TaskInput], required: true }),
    revision: t.int({ required: true }),
  }),
});

const DeleteWorkflowPayload = builder.simpleObject('DeleteWorkflowPayload', {
  fields: (t) => ({
    id: t.id(),
    deleted: t.boolean(),
  }),
});

/** The workflow as stored after a service call wrote it (through its own EntityManager). */
async function reread(ctx: Context, id: string): Promise<WorkflowRow> {
  freshReads(ctx);
  const row = await ctx.loaders.workflow.load(id);
  if (!row) throw new NotFoundError('Workflow', id);
  return row;
}

type Transition = keyof Pick<Services['workflows'], 'start' | 'cancel' | 'retry'>;

builder.mutationFields((t) => {
  const transition = (call: Transition, description: string) =>
    t.field({
      type: Workflow,
      description,
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Workflow');
        await ctx.services.workflows[call](ctx.principal.tenant, id);
        return reread(ctx, id);
      },
    });
  const onTask = (
    description: string,
    text: { name: 'comment' | 'feedback' | 'reason'; required: boolean },
    call: (ctx: Context, id: string, text: string | null) => Promise<void>,
  ) =>
    t.field({
      type: Task,
      description,
      args: { id: t.arg.id({ required: true }), [text.name]: t.arg.string({ required: text.required }) },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Task');
        await call(ctx, id, (args as Record<string, string | null | undefined>)[text.name] ?? null);
        freshReads(ctx);
        const row = await ctx.loaders.task.load(id);
        if (!row) throw new NotFoundError('Task', id);
        return row;
      },
    });
  return {
    approveTask: onTask(
      'AWAITING_APPROVAL → the task runs; AWAITING_REVIEW → COMPLETED, its dependents go. INVALID_STATE for a task awaiting no decision; sent twice, it takes effect once.',
      { name: 'comment', required: false },
      (ctx, id, comment) => ctx.services.workflows.approveTask(ctx.principal, id, comment),
    ),
    requestChanges: onTask(
      'AWAITING_REVIEW → the task runs again; its prompt carries its previous output and the feedback.',
      { name: 'feedback', required: true },
      (ctx, id, feedback) => ctx.services.workflows.requestChanges(ctx.principal, id, feedback ?? ''),
    ),
    rejectTask: onTask(
      'AWAITING_APPROVAL or AWAITING_REVIEW → REJECTED; its transitive dependents are SKIPPED, independent branches finish, the workflow ends FAILED naming the task and the reason.',
      { name: 'reason', required: true },
      (ctx, id, reason) => ctx.services.workflows.rejectTask(ctx.principal, id, reason ?? ''),
    ),
    createWorkflow: t.field({
      type: Workflow,
      description: 'Stores a manual plan; the workflow is PLANNED.',
      args: { input: t.arg({ type: CreateWorkflowInput, required: true }) },
      resolve: async (_root, { input }, ctx) => reread(ctx, await ctx.services.workflows.create(ctx.principal.tenant, input)),
    }),
    planWorkflow: t.field({
      type: Workflow,
      description: 'Stores the request in PLANNING and plans it in the background; watch workflowEvents for plan_ready.',
      args: { input: t.arg({ type: PlanWorkflowInput, required: true }) },
      resolve: async (_root, { input }, ctx) => reread(ctx, await ctx.services.workflows.plan(ctx.principal.tenant, input)),
    }),
    startWorkflow: transition('start', 'Runs a PLANNED workflow.'),
    editPlan: t.field({
      type: Workflow,
      description:
        'Replaces the plan with the full desired task list, on a PLANNED, EXECUTING, PAUSED, FAILED or CANCELLED workflow. Started or finished ' +
        'tasks must appear unchanged (PLAN_INVALID otherwise); pending ones may change or go; new ones may depend on finished ones. ' +
        'Validated like createWorkflow; a stale revision is CONFLICT; nothing is half-applied.',
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: EditPlanInput, required: true }) },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Workflow');
        await ctx.services.workflows.editPlan(ctx.principal, id, args.input);
        return reread(ctx, id);
      },
    }),
    replanWorkflow: t.field({
      type: Workflow,
      description:
        'PLANNED: the orchestrator writes the plan again with the feedback. FAILED or CANCELLED: the orchestrator is given the request, the finished ' +
        'tasks with their outputs, the failed or rejected task with its error or reason, and the feedback, and plans replacements for the unfinished ' +
        'part only; finished tasks keep their outputs and never run again. autoStart runs the new plan. INVALID_STATE in any other status. ' +
        'Returns at once with the workflow PLANNING (the request recorded by a `planning` event with the feedback and who asked); a worker plans ' +
        'it: `plan_ready` (the workflow back in the status it was replanned from, then `started` with autoStart), or `replan_failed` with a code ' +
        '(the workflow back as it was). cancelWorkflow stops a replan.',
      args: { id: t.arg.id({ required: true }), feedback: t.arg.string(), autoStart: t.arg.boolean() },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Workflow');
        await ctx.services.workflows.replan(ctx.principal, id, args.feedback ?? null, args.autoStart ?? false);
        freshReads(ctx);
        return reread(ctx, id);
      },
    }),
    rerunTask: t.field({
      type: Workflow,
      description:
        'On a COMPLETED, FAILED or CANCELLED workflow: the task (with its new description, if given) and its transitive dependents run again; ' +
        'the rest keep their outputs. Earlier outputs stay readable in Task.history.',
      args: { id: t.arg.id({ required: true }), description: t.arg.string() },
      resolve: async (_root, args, ctx) => {
        const taskId = requireLocalId(String(args.id), 'Task');
        await ctx.services.workflows.rerunTask(ctx.principal, taskId, args.description ?? null);
        freshReads(ctx);
        const task = await ctx.loaders.task.load(taskId);
        if (!task) throw new NotFoundError('Task', taskId);
        return reread(ctx, task.workflow.id);
      },
    }),
    pauseWorkflow: t.field({
      type: Workflow,
      description: 'EXECUTING → PAUSED: no task starts while paused; running tasks finish and are recorded. INVALID_STATE otherwise.',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Workflow');
        await ctx.services.workflows.pause(ctx.principal, id);
        return reread(ctx, id);
      },
    }),
    resumeWorkflow: t.field({
      type: Workflow,
      description: 'PAUSED → EXECUTING: what became runnable meanwhile starts. INVALID_STATE otherwise.',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Workflow');
        await ctx.services.workflows.resume(ctx.principal, id);
        return reread(ctx, id);
      },
    }),
    cancelWorkflow: transition('cancel', 'Aborts running tasks; unfinished ones end CANCELLED.'),
    retryWorkflow: transition('retry', 'Re-runs the failed, skipped and cancelled tasks of an ended workflow; completed ones keep their output.'),
    deleteWorkflow: t.field({
      type: DeleteWorkflowPayload,
      description: 'Deletes a workflow that is not EXECUTING (INVALID_STATE otherwise), with its tasks and events.',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const id = requireLocalId(String(args.id), 'Workflow');
        await ctx.services.workflows.remove(ctx.principal.tenant, id);
        return { id: encodeGlobalId('Workflow', id), deleted: true };
      },
    }),
  };
});
