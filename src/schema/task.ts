import { NotFoundError } from '../errors.ts';
import { Agent } from './agent.ts';
import { builder, DateTime } from './builder.ts';
import { ApprovalModeEnum, TaskStatusEnum, TokenUsage, tokenUsageOf } from './common.ts';
import type { Context } from './context.ts';
import { agentName, type TaskRow } from './loaders.ts';
import type { TaskRun } from '../db/entities.ts';

export const Task = builder.objectRef<TaskRow>('Task');

const TaskAttempt = builder.simpleObject('TaskAttempt', {
  description: 'One run of a task.',
  fields: (t) => ({
    attempt: t.int({ description: 'Attempts that run took (retries included).' }),
    output: t.string({ nullable: true }),
    error: t.string({ nullable: true }),
    startedAt: t.field({ type: DateTime, nullable: true }),
    completedAt: t.field({ type: DateTime, nullable: true }),
  }),
});

/** The task's siblings, from the one batched tasks-by-workflow load. */
const siblings = (task: TaskRow, ctx: Context) => ctx.loaders.tasksByWorkflow.load(task.workflow.id);

builder.node(Task, {
  description: 'One step of a workflow, run by one agent once all of its dependencies completed.',
  id: { resolve: (t) => t.id },
  loadMany: (ids, ctx) => Promise.all(ids.map((id) => ctx.loaders.task.load(id))),
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The task number in the plan: "1", "2", …' }),
    description: t.exposeString('description'),
    status: t.field({ type: TaskStatusEnum, resolve: (task) => task.status as never }),
    approval: t.field({ type: ApprovalModeEnum, resolve: (task) => (task.approval ?? 'NONE') as never }),
    agent: t.field({
      type: Agent,
      resolve: async (task, _args, ctx) => {
        const agent = await ctx.loaders.agent.load(agentName(task.agent));
        if (!agent) throw new NotFoundError('Agent', task.agent);
        return agent;
      },
    }),
    dependsOn: t.field({
      type: [Task],
      description: 'Tasks that must complete before this one starts, in the order the plan lists them.',
      resolve: async (task, _args, ctx) => {
        const byKey = new Map((await siblings(task, ctx)).map((s) => [s.key, s]));
        return task.dependsOn.flatMap((k) => byKey.get(k) ?? []);
      },
    }),
    dependents: t.field({
      type: [Task],
      description: 'Tasks that wait for this one.',
      resolve: async (task, _args, ctx) => (await siblings(task, ctx)).filter((s) => s.dependsOn.includes(task.key)),
    }),
    attempts: t.exposeInt('attempts'),
    history: t.field({
      type: [TaskAttempt],
      description: "The task's runs, oldest first: those rerunTask kept, then the current one (once it started).",
      resolve: (task) => {
        const earlier = ((task.history ?? []) as TaskRun[]).map((h) => ({
          ...h,
          startedAt: h.startedAt == null ? null : new Date(h.startedAt),
          completedAt: h.completedAt == null ? null : new Date(h.completedAt),
        }));
        const current =
          task.startedAt || task.output != null
            ? [{ attempt: task.attempts, output: task.output ?? null, error: task.error ?? null, startedAt: task.startedAt ?? null, completedAt: task.completedAt ?? null }]
            : [];
        return [...earlier, ...current];
      },
    }),
    output: t.exposeString('output', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    tokenUsage: t.field({ type: TokenUsage, resolve: (task) => tokenUsageOf(task.inputTokens, task.outputTokens) }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    createdAt: t.field({ type: DateTime, resolve: (task) => task.createdAt }),
    updatedAt: t.field({ type: DateTime, resolve: (task) => task.updatedAt }),
    startedAt: t.field({ type: DateTime, nullable: true, resolve: (task) => task.startedAt }),
    completedAt: t.field({ type: DateTime, nullable: true, resolve: (task) => task.completedAt }),
  }),
});
