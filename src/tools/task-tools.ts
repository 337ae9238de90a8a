import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { FinalAttemptError } from '../agents/retry.ts';
import type { ClaimedTask, TokenUsage } from '../engine/types.ts';
import type { Metering } from '../usage/metering.ts';
import type { McpPool } from './mcp-pool.ts';
import { runToolLoop } from './tool-loop.ts';
import type { ToolEvents } from './tool-events.ts';
import type { ToolServerStore } from './tool-server-store.ts';
import type { ToolHandle } from './types.ts';
import type { Workspace, WorkspaceFile } from './workspace.ts';
import { WORKSPACE_SERVER, workspaceTools } from './workspace-tools.ts';

/** One task's tools: the workspace files for its prompt, then the loop that replaces streaming its answer. */
export interface ToolRun {
  /** The workspace's files for the prompt; undefined when the agent has no workspace tools. */
  files: WorkspaceFile[] | undefined;
  run(r: {
    model: BaseChatModel;
    messages: BaseMessage[];
    /** The prompt's nonce (tool results are delimited with it). */
    nonce: string;
    signal: AbortSignal;
    /** Resolves once the task's claim is committed: no event is stored before. */
    claimed: () => Promise<unknown>;
    /** Streams the model's text as task_output. */
    emit: (text: string) => Promise<void>;
    /** Counts each model turn's usage (and stops the loop over the budget). */
    metering?: Pick<Metering, 'open'>;
  }): Promise<{ output: string; usage: TokenUsage }>;
}

export interface TaskTools {
  /** Undefined when the model cannot call tools (e.g. a test's scripted model): the task then streams one answer. */
  open(task: ClaimedTask, entries: string[], model: BaseChatModel): Promise<ToolRun | undefined>;
}

/** `server` or `server/tool` entries grouped by server: null means all its tools. Pure. */
export function groupEntries(entries: string[]): Map<string, Set<string> | null> {
  const groups = new Map<string, Set<string> | null>();
  for (const e of entries) {
    const [server, tool] = e.split(/\/(.*)/s) as [string, string | undefined];
    if (!tool) groups.set(server, null);
    else if (groups.get(server) !== null) groups.set(server, new Set([...(groups.get(server) ?? []), tool]));
  }
  return groups;
}

export function createTaskTools(d: { workspace: Workspace; servers: ToolServerStore; pool: McpPool; events: ToolEvents; maxSteps: number; toolTimeoutMs: number }): TaskTools {
  const builtins = workspaceTools(d.workspace, d.toolTimeoutMs);

  async function resolve(task: ClaimedTask, entries: string[]): Promise<ToolHandle[]> {
    const handles: ToolHandle[] = [];
    for (const [server, only] of groupEntries(entries)) {
      if (server === WORKSPACE_SERVER) {
        handles.push(...builtins.filter((t) => !only || only.has(t.name)));
        continue;
      }
      const s = await d.servers.get(task.tenant, server);
      if (!s) throw new FinalAttemptError(`agent @${task.agent} uses tool server "${server}", which is not registered`);
      handles.push(...(await d.pool.tools(s, only ?? undefined)));
    }
    // Two servers' tools must not share a function name: the first keeps it.
    return handles.filter((h, i) => handles.findIndex((o) => o.name === h.name) === i);
  }

  return {
    async open(task, entries, model) {
      if (typeof model.bindTools !== 'function') return undefined;
      const files = groupEntries(entries).has(WORKSPACE_SERVER) ? await d.workspace.list(task.workflowId) : undefined;
      return {
        files,
        async run({ model, messages, nonce, signal, claimed, emit, metering }) {
          const tools = await resolve(task, entries);
          return runToolLoop({
            model,
            messages,
            tools,
            nonce,
            signal,
            emit,
            metering,
            maxSteps: d.maxSteps,
            context: { workflowId: task.workflowId, taskKey: task.key },
            onCalls: async (calls) => {
              await claimed();
              await d.events.calls(task, calls);
            },
            onResult: async (r) => {
              await claimed();
              await d.events.result(task, r);
            },
          });
        },
      };
    },
  };
}
