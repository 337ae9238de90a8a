import { brandWithType, type MaybePromise } from '@pothos/core';
import type { Context } from './context.ts';
import { isUuid } from './ids.ts';

type GlobalId = { typename: string; id: string };

/**
 * `node(id)`: a global id of a known type loads through the type's loader; a
 * bare uuid is looked up as a Workflow, then as a Task. Anything else is null
 * (never a database error for a malformed id).
 */
export async function resolveNode(id: GlobalId, ctx: Context, loadTyped: (id: GlobalId) => MaybePromise<unknown>): Promise<unknown> {
  if (!isUuid(id.id)) return null;
  const local = { typename: id.typename, id: id.id.toLowerCase() };
  if (id.typename === 'Workflow' || id.typename === 'Task') return loadTyped(local);
  if (id.typename !== '') return null;
  const workflow = await ctx.loaders.workflow.load(local.id);
  if (workflow) {
    brandWithType(workflow, 'Workflow' as never);
    return workflow;
  }
  const task = await ctx.loaders.task.load(local.id);
  if (task) brandWithType(task, 'Task' as never);
  return task;
}
