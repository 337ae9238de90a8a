import { NotFoundError } from '../errors.ts';
import { WorkspaceError, type WorkspaceFile } from '../tools/workspace.ts';
import { builder, DateTime } from './builder.ts';
import type { Context } from './context.ts';
import { requireLocalId } from './ids.ts';
import { Task } from './task.ts';
import { Workflow } from './workflow.ts';

type ArtifactRow = WorkspaceFile & { workflowId: string; content?: string };

export const Artifact = builder.objectRef<ArtifactRow>('Artifact').implement({
  description: "A file of the workflow's workspace, written by one of its tasks (the last writer of that path).",
  fields: (t) => ({
    path: t.exposeString('path'),
    size: t.int({ description: 'Bytes (UTF-8).', resolve: (a) => a.size }),
    updatedAt: t.field({ type: DateTime, resolve: (a) => a.updatedAt }),
    writtenBy: t.field({
      type: Task,
      nullable: true,
      description: 'The task that wrote it last.',
      resolve: async (a, _args, ctx) => (a.writtenBy ? ((await ctx.loaders.tasksByWorkflow.load(a.workflowId)).find((x) => x.key === a.writtenBy) ?? null) : null),
    }),
    content: t.string({
      description: 'The whole file (read when asked for).',
      resolve: async (a, _args, ctx) => a.content ?? (await ctx.services.workspace.read(a.workflowId, a.path))?.content ?? '',
    }),
  }),
});

/** The workflow in the caller's tenant, or NOT_FOUND exactly as for an unknown id. */
async function ownWorkflow(ctx: Context, globalId: string): Promise<string> {
  const id = requireLocalId(globalId, 'Workflow');
  if (!(await ctx.loaders.workflow.load(id))) throw new NotFoundError('Workflow', globalId);
  return id;
}

builder.objectField(Workflow, 'artifacts', (t) =>
  t.field({
    type: [Artifact],
    description: "The files in the workflow's workspace, by path. Download them all at GET /workflows/<id>/artifacts.zip.",
    resolve: async (w, _args, ctx) => (await ctx.services.workspace.list(w.id)).map((f) => ({ ...f, workflowId: w.id })),
  }),
);

builder.queryField('artifact', (t) =>
  t.field({
    type: Artifact,
    nullable: true,
    description: "One file of a workflow's workspace; null when there is no such file.",
    args: { workflowId: t.arg.id({ required: true }), path: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const workflowId = await ownWorkflow(ctx, String(args.workflowId));
      try {
        const file = await ctx.services.workspace.read(workflowId, args.path);
        return file && { ...file, workflowId };
      } catch (e) {
        if (e instanceof WorkspaceError) return null; // a path no file can have
        throw e;
      }
    },
  }),
);
