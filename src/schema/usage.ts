import type { Budget } from '../engine/core/budget.ts';
import { BUDGET_ACTIONS } from '../engine/core/budget.ts';
import { NotFoundError } from '../errors.ts';
import { builder } from './builder.ts';
import { freshReads } from './context.ts';
import { requireLocalId } from './ids.ts';
import type { UsageSums } from './loaders.ts';
import { Task } from './task.ts';
import { Workflow } from './workflow.ts';

export const BudgetActionEnum = builder.enumType('BudgetAction', {
  description: 'What a workflow does when its usage crosses a limit: STOP (in-flight calls aborted, unfinished tasks CANCELLED, FAILED with BUDGET_EXCEEDED) or PAUSE.',
  values: BUDGET_ACTIONS,
});

export const Usage = builder.objectRef<UsageSums>('Usage').implement({
  description:
    'Tokens and cost of model calls. The provider’s own figures where it reports them; estimated (about four characters a token) while a call ' +
    'streams and where it reports none. priced is false when some call’s model has no price (the offline model, an unknown model): it cost 0 here.',
  fields: (t) => ({
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
    totalTokens: t.int({ resolve: (u) => u.inputTokens + u.outputTokens }),
    costUsd: t.exposeFloat('costUsd'),
    estimated: t.exposeBoolean('estimated'),
    priced: t.exposeBoolean('priced'),
    calls: t.exposeInt('calls', { description: 'Model calls counted (the planning call and every attempt and tool-loop turn).' }),
  }),
});

export const BudgetType = builder.objectRef<Budget>('Budget').implement({
  description: 'A workflow’s limits (null: none) and what crossing one does.',
  fields: (t) => ({
    maxTokens: t.int({ nullable: true, resolve: (b) => b.maxTokens }),
    maxCostUsd: t.float({ nullable: true, resolve: (b) => b.maxCostUsd }),
    onExceed: t.field({ type: BudgetActionEnum, resolve: (b) => b.onExceed }),
  }),
});

export const BudgetInput = builder.inputType('BudgetInput', {
  description: 'Limits on the tokens (input + output) and the cost in USD of every model call of a workflow, its planning included.',
  fields: (t) => ({
    maxTokens: t.int(),
    maxCostUsd: t.float(),
    onExceed: t.field({ type: BudgetActionEnum, defaultValue: 'STOP' }),
  }),
});

builder.objectFields(Workflow, (t) => ({
  usage: t.field({
    type: Usage,
    description: 'Every model call of the workflow so far (planning, every attempt, tool loops).',
    resolve: (w, _a, ctx) => ctx.loaders.usageByWorkflow.load(w.id),
  }),
  budget: t.field({ type: BudgetType, nullable: true, resolve: (w) => (w.budget as Budget | null) ?? null }),
}));

builder.objectField(Task, 'usage', (t) =>
  t.field({
    type: Usage,
    description: 'Every model call of the task (all attempts, every tool-loop turn).',
    resolve: (task, _a, ctx) => ctx.loaders.usageByTask.load(`${task.workflow.id} ${task.id}`),
  }),
);

builder.mutationField('setBudget', (t) =>
  t.field({
    type: Workflow,
    description:
      'Sets the workflow’s budget at any time (both limits null: none). A workflow its budget PAUSED resumes when the new limits leave room; ' +
      'one already over the new limits is stopped or paused at once.',
    args: { id: t.arg.id({ required: true }), budget: t.arg({ type: BudgetInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = requireLocalId(String(args.id), 'Workflow');
      await ctx.services.workflows.setBudget(ctx.principal, id, args.budget);
      freshReads(ctx);
      const row = await ctx.loaders.workflow.load(id);
      if (!row) throw new NotFoundError('Workflow', id);
      return row;
    },
  }),
);
