/**
 * A workspace: the files of one workflow, shared by its tasks. Two adapters keep it (a directory
 * per workflow in embedded mode, the `workspace_files` table with PostgreSQL, so workers on other
 * machines share it); both take only paths checked by workspacePath and both write by path (a
 * re-run of a task replaces what it wrote before, it never appends).
 */
export interface WorkspaceFile {
  path: string;
  size: number;
  /** Epoch ms. */
  updatedAt: number;
  /** Key of the task that wrote it last. */
  writtenBy: string | null;
}

export interface Workspace {
  list(workflowId: string): Promise<WorkspaceFile[]>;
  /** Null when there is no such file. */
  read(workflowId: string, path: string): Promise<(WorkspaceFile & { content: string }) | null>;
  /** Creates or replaces the file; throws WorkspaceError (a tool error) when a limit or the jail refuses it. */
  write(workflowId: string, path: string, content: string, writtenBy: string): Promise<WorkspaceFile>;
  /** Every file of the workflow (its deletion). */
  removeAll(workflowId: string): Promise<void>;
}

export const WORKSPACE_LIMITS = {
  /** One file. */
  fileBytes: 1024 * 1024,
  /** All files of one workflow. */
  totalBytes: 20 * 1024 * 1024,
  files: 500,
  pathChars: 240,
  segments: 16,
} as const;

/** A refused workspace operation: the model is told why (a tool error), the task goes on. */
export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}

/**
 * The one spelling of a workspace path: relative, `/`-separated, no `.`/`..` segments, no empty
 * segment, no control characters or backslashes, bounded. Throws WorkspaceError otherwise. Pure.
 */
export function workspacePath(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') throw new WorkspaceError('path must be a non-empty string');
  const path = input.trim().replace(/^\.\//, '');
  if (path.length > WORKSPACE_LIMITS.pathChars) throw new WorkspaceError(`path is longer than ${WORKSPACE_LIMITS.pathChars} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) throw new WorkspaceError('path may not hold control characters or backslashes');
  if (path.startsWith('/') || /^[a-z]:/i.test(path)) throw new WorkspaceError('path must be relative to the workspace (no absolute paths)');
  const segments = path.split('/');
  if (segments.length > WORKSPACE_LIMITS.segments) throw new WorkspaceError(`path has more than ${WORKSPACE_LIMITS.segments} segments`);
  for (const s of segments) {
    if (s === '..') throw new WorkspaceError('path may not leave the workspace (no "..")');
    if (s === '' || s === '.') throw new WorkspaceError('path may not hold empty or "." segments');
  }
  if (segments[0]!.toLowerCase().startsWith('.baton')) throw new WorkspaceError('paths starting with .baton are reserved');
  return segments.join('/');
}

/** Refuses a write past the per-file, per-workflow size or count limits. Pure. */
export function checkWriteLimits(files: WorkspaceFile[], path: string, bytes: number): void {
  if (bytes > WORKSPACE_LIMITS.fileBytes) throw new WorkspaceError(`file is ${bytes} bytes; the limit is ${WORKSPACE_LIMITS.fileBytes}`);
  const others = files.filter((f) => f.path !== path);
  if (others.length + 1 > WORKSPACE_LIMITS.files) throw new WorkspaceError(`the workspace holds ${WORKSPACE_LIMITS.files} files already`);
  const total = others.reduce((n, f) => n + f.size, 0) + bytes;
  if (total > WORKSPACE_LIMITS.totalBytes) throw new WorkspaceError(`the workspace would hold ${total} bytes; the limit is ${WORKSPACE_LIMITS.totalBytes}`);
}

/** Workflow ids are uuids; anything else never names a directory or a row. */
export function checkWorkflowId(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new WorkspaceError('not a workflow id');
  return id.toLowerCase();
}
