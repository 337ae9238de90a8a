import { type Workspace, WorkspaceError } from './workspace.ts';
import { type ToolHandle, ToolError } from './types.ts';

export const WORKSPACE_SERVER = 'workspace';

const str = (args: Record<string, unknown>, name: string): string => {
  const v = args[name];
  if (typeof v !== 'string') throw new ToolError(`argument "${name}" must be a string`);
  return v;
};

/** WorkspaceError (a refused path or a limit) and a missing file are tool errors: the model may do better. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkspaceError) throw new ToolError(e.message);
    throw e;
  }
}

const pathParam = { type: 'string', description: 'Path relative to the workspace root, e.g. src/register.ts' };

/**
 * The built-in `workspace` tool set: list_files, read_file, write_file, edit_file on the workflow's
 * workspace. Writes replace by path (a task that runs again overwrites what it wrote).
 */
export function workspaceTools(workspace: Workspace, timeoutMs: number): ToolHandle[] {
  const tool = (name: string, description: string, properties: Record<string, unknown>, call: ToolHandle['call']): ToolHandle => ({
    id: `${WORKSPACE_SERVER}/${name}`,
    name,
    description,
    parameters: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
    timeoutMs,
    call: (args, ctx) => guarded(() => call(args, ctx)),
  });
  return [
    tool('list_files', "Lists the files in this workflow's shared workspace, with their size and the task that wrote each.", {}, async (_args, ctx) => {
      const files = await workspace.list(ctx.workflowId);
      if (files.length === 0) return 'The workspace is empty.';
      return files.map((f) => `${f.path} (${f.size} bytes, written by Task ${f.writtenBy ?? '?'})`).join('\n');
    }),
    tool('read_file', 'Reads a file of the workspace.', { path: pathParam }, async (args, ctx) => {
      const path = str(args, 'path');
      const file = await workspace.read(ctx.workflowId, path);
      if (!file) throw new ToolError(`${path}: no such file in the workspace`);
      return file.content;
    }),
    tool(
      'write_file',
      'Creates or replaces a file of the workspace with the given content.',
      { path: pathParam, content: { type: 'string', description: 'The whole content of the file.' } },
      async (args, ctx) => {
        const f = await workspace.write(ctx.workflowId, str(args, 'path'), str(args, 'content'), ctx.taskKey);
        return `wrote ${f.path} (${f.size} bytes)`;
      },
    ),
    tool(
      'edit_file',
      'Replaces exactly one occurrence of old_text with new_text in a file of the workspace.',
      { path: pathParam, old_text: { type: 'string' }, new_text: { type: 'string' } },
      async (args, ctx) => {
        const path = str(args, 'path');
        const oldText = str(args, 'old_text');
        const file = await workspace.read(ctx.workflowId, path);
        if (!file) throw new ToolError(`${path}: no such file in the workspace`);
        const at = oldText === '' ? -1 : file.content.indexOf(oldText);
        if (at < 0) throw new ToolError(`${path}: old_text was not found`);
        if (file.content.indexOf(oldText, at + 1) >= 0) throw new ToolError(`${path}: old_text occurs more than once; give more context`);
        const content = file.content.slice(0, at) + str(args, 'new_text') + file.content.slice(at + oldText.length);
        const f = await workspace.write(ctx.workflowId, path, content, ctx.taskKey);
        return `edited ${f.path} (${f.size} bytes)`;
      },
    ),
  ];
}
