import type { Db } from '../db/orm.ts';
import { num } from '../db/sql.ts';
import { toStorableText } from '../text.ts';
import { checkWorkflowId, checkWriteLimits, type Workspace, type WorkspaceFile, workspacePath } from './workspace.ts';

const meta = (r: Record<string, unknown>): WorkspaceFile => ({
  path: r.path as string,
  size: num(r.size),
  updatedAt: num(r.updated_at),
  writtenBy: (r.written_by as string | null) ?? null,
});

/**
 * The workspace in the database (`workspace_files`), for PostgreSQL + BullMQ mode: workers on other
 * machines read what another wrote. A write is one upsert on (workflow_id, path), so a re-run of a
 * task replaces its earlier file instead of adding a second one.
 */
export function createDbWorkspace(db: Db, now: () => number): Workspace {
  const table = () => db.knex('workspace_files');
  const list = async (workflowId: string) =>
    (
      await table()
        .where({ workflow_id: checkWorkflowId(workflowId) })
        .orderBy('path')
        .select('path', 'size', 'updated_at', 'written_by')
    ).map(meta);
  return {
    list,
    async read(workflowId, rawPath) {
      const path = workspacePath(rawPath);
      const row = await table()
        .where({ workflow_id: checkWorkflowId(workflowId), path })
        .first('path', 'size', 'updated_at', 'written_by', 'content');
      return row ? { ...meta(row), content: row.content as string } : null;
    },
    async removeAll(workflowId) {
      await table()
        .where({ workflow_id: checkWorkflowId(workflowId) })
        .delete();
    },
    async write(workflowId, rawPath, text, writtenBy) {
      // A model's text: what PostgreSQL cannot store (NUL) becomes U+FFFD, as for task outputs.
      const content = toStorableText(text);
      const path = workspacePath(rawPath);
      const id = checkWorkflowId(workflowId);
      const size = Buffer.byteLength(content, 'utf8');
      checkWriteLimits(await list(id), path, size);
      const file: WorkspaceFile = { path, size, updatedAt: now(), writtenBy };
      await table()
        .insert({ workflow_id: id, path, content, size, written_by: writtenBy, updated_at: file.updatedAt })
        .onConflict(['workflow_id', 'path'])
        .merge(['content', 'size', 'written_by', 'updated_at']);
      return file;
    },
  };
}
