import type { Config } from '../config.ts';
import type { Db } from '../db/orm.ts';
import type { Committed, RunStore } from '../engine/store/index.ts';
import type { Logger } from '../logger.ts';
import { createMcpPool } from './mcp-pool.ts';
import { createTaskTools } from './task-tools.ts';
import { createToolEvents } from './tool-events.ts';
import { createToolServerStore } from './tool-server-store.ts';
import type { Workspace } from './workspace.ts';
import { createDbWorkspace } from './workspace-db.ts';
import { createFsWorkspace } from './workspace-fs.ts';
import { createS3Workspace } from './workspace-s3.ts';

/**
 * Tools for one process: the workspace (an S3-compatible bucket when WORKSPACE_URL is set, in any
 * mode; else a directory per workflow when embedded, the database with PostgreSQL, where workers on
 * several machines share it), tool servers, pooled MCP connections, and the task tool loop the runner calls.
 */
export function createToolsModule(d: { config: Config; db: Db; now: () => number; logger: Logger; runs: () => RunStore; publish: (c: Committed<unknown>) => Promise<void> }) {
  const s3 = d.config.workspaceS3 ? createS3Workspace(d.config.workspaceS3, d.now) : null;
  const workspace: Workspace = s3 ?? (d.config.databaseUrl ? createDbWorkspace(d.db, d.now) : createFsWorkspace(d.config.workspaceDir));
  const servers = createToolServerStore(d.db, { now: d.now, allowedCommands: d.config.toolCommands, defaultTimeoutMs: d.config.toolTimeoutMs });
  const pool = createMcpPool({ allowedCommands: d.config.toolCommands, logger: d.logger.child({ component: 'mcp' }) });
  const taskTools = createTaskTools({
    workspace,
    servers,
    pool,
    events: createToolEvents(d.runs, d.publish),
    maxSteps: d.config.taskMaxToolSteps,
    toolTimeoutMs: d.config.toolTimeoutMs,
  });
  return {
    workspace,
    servers,
    taskTools,
    close: async () => {
      await pool.close();
      s3?.close();
    },
  };
}
