import { resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import type { FilterQuery } from '@mikro-orm/core';
import { WorkflowEntity } from '../db/entities.ts';
import { BadUserInputError, NotFoundError, clipInput } from '../errors.ts';
import { builder, DateTime, JSONScalar } from './builder.ts';
import { Progress, progressOf, TokenUsage, tokenUsageOf, WorkflowStatusEnum } from './common.ts';
import { localId } from './ids.ts';
import type { WorkflowRow } from './loaders.ts';
import { Task } from './task.ts';

export const Workflow = builder.objectRef<WorkflowRow>('Workflow');

builder.node(Workflow, {
  description: 'A request planned as a DAG of agent tasks, and its run.',
  id: { resolve: (w) => w.id },
  loadMany: (ids, ctx) => Promise.all(ids.map((id) => ctx.loaders.workflow.load(id))),
  fields: (t) => ({
    status: t.field({ type: WorkflowStatusEnum, resolve: (w) => w.status as never }),
    description: t.exposeString('description', { description: 'The request, in natural language.' }),
    channelId: t.exposeString('channelId', { nullable: true }),
    plan: t.exposeString('plan', { nullable: true, description: "The orchestrator's plan text, when it was planned by one." }),
    planRevision: t.int({ description: 'Each editPlan adds one; an edit names the revision it read (CONFLICT when stale).', resolve: (w) => w.planRevision ?? 0 }),
    results: t.field({
      type: JSONScalar,
      nullable: true,
      description: 'Per-task outputs and totals once the run ended (WorkflowResults).',
      resolve: (w) => w.results,
    }),
    error: t.exposeString('error', { nullable: true }),
    progress: t.field({ type: Progress, resolve: (w) => progressOf(w.completedTasks, w.totalTasks) }),
    tokenUsage: t.field({ type: TokenUsage, resolve: (w) => tokenUsageOf(w.inputTokens, w.outputTokens) }),
    tasks: t.field({
      type: [Task],
      description: 'In plan order.',
      resolve: (w, _args, ctx) => ctx.loaders.tasksByWorkflow.load(w.id),
    }),
    createdAt: t.field({ type: DateTime, resolve: (w) => w.createdAt }),
    updatedAt: t.field({ type: DateTime, resolve: (w) => w.updatedAt }),
    startedAt: t.field({ type: DateTime, nullable: true, resolve: (w) => w.startedAt }),
    completedAt: t.field({ type: DateTime, nullable: true, resolve: (w) => w.completedAt }),
  }),
});

builder.objectField(Task, 'workflow', (t) =>
  t.field({
    type: Workflow,
    resolve: async (task, _args, ctx) => {
      const w = await ctx.loaders.workflow.load(task.workflow.id);
      if (!w) throw new NotFoundError('Workflow', task.workflow.id);
      return w;
    },
  }),
);

/** Cursors are opaque to clients: base64url of "<createdAt ms>:<uuid>", the sort key of the list. */
const toCursor = (w: WorkflowRow) => Buffer.from(`${w.createdAt}:${w.id}`).toString('base64url');

function fromCursor(cursor: string, arg: string): { at: number; id: string } {
  const m = /^(\d+):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new BadUserInputError(`${arg} is expected to be a cursor returned by workflows, but got ${JSON.stringify(clipInput(cursor))}`, { argument: arg });
  return { at: Number(m[1]), id: m[2]! };
}

/** Most workflows one page holds. */
export const MAX_WORKFLOWS_PAGE = 100;

/** `first`/`last` beyond the page size is the client's mistake, not something to cut silently. */
function checkPageSize(args: { first?: number | null; last?: number | null }): void {
  for (const arg of ['first', 'last'] as const) {
    const n = args[arg];
    if (n != null && n > MAX_WORKFLOWS_PAGE) {
      throw new BadUserInputError(`${arg} is expected to be at most ${MAX_WORKFLOWS_PAGE}, but got ${n}`, { argument: arg });
    }
  }
}

/** Newest first; ties on createdAt broken by id so that no page skips or repeats a row. */
function pageWhere(base: FilterQuery<WorkflowRow>, { before, after }: ResolveCursorConnectionArgs) {
  const and: FilterQuery<WorkflowRow>[] = [base];
  if (after) {
    const c = fromCursor(after, 'after');
    and.push({ $or: [{ createdAt: { $lt: c.at } }, { createdAt: c.at, id: { $lt: c.id } }] });
  }
  if (before) {
    const c = fromCursor(before, 'before');
    and.push({ $or: [{ createdAt: { $gt: c.at } }, { createdAt: c.at, id: { $gt: c.id } }] });
  }
  return { $and: and } as FilterQuery<WorkflowRow>;
}

builder.queryFields((t) => ({
  workflow: t.field({
    type: Workflow,
    nullable: true,
    description: 'By global id ("Workflow:<uuid>") or bare uuid; null when there is none.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const id = localId(String(args.id), 'Workflow');
      return id ? ctx.loaders.workflow.load(id) : null;
    },
  }),
  workflows: t.connection(
    {
      type: Workflow,
      description: `Newest first. At most ${MAX_WORKFLOWS_PAGE} per page (default 20); a larger first or last is BAD_USER_INPUT.`,
      args: {
        status: t.arg({ type: WorkflowStatusEnum }),
        channelId: t.arg.string(),
      },
      resolve: (_root, args, ctx) => {
        checkPageSize(args);
        const base: FilterQuery<WorkflowRow> = { tenant: ctx.principal.tenant };
        if (args.status) base.status = args.status;
        if (args.channelId) base.channelId = args.channelId;
        return resolveCursorConnection({ args, toCursor, maxSize: MAX_WORKFLOWS_PAGE }, async (page: ResolveCursorConnectionArgs) => {
          const dir = page.inverted ? 'asc' : 'desc';
          const rows = await ctx.em.find(WorkflowEntity, pageWhere(base, page), {
            orderBy: { createdAt: dir, id: dir },
            limit: page.limit,
          });
          // Seed the loader so node(id) or Task.workflow later in this request need no query.
          for (const w of rows) ctx.loaders.workflow.prime(w.id, w);
          return rows;
        });
      },
    },
    { name: 'WorkflowConnection' },
    { name: 'WorkflowEdge' },
  ),
}));
