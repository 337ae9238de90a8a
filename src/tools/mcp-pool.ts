import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.ts';
import { checkServerShape, type ToolServerConnection } from './tool-server-store.ts';
import { type ToolHandle, ToolError } from './types.ts';

interface McpTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

interface Connection {
  /** id and updatedAt: an edited server gets a new connection. */
  version: string;
  client: Client;
  tools: McpTool[];
}

/** The function name a model sees for server/tool: OpenAI allows [a-zA-Z0-9_-]{1,64}. Pure. */
export function functionName(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/** An MCP result's content as text: text parts joined, other parts named. */
function resultText(result: { content?: unknown; structuredContent?: unknown }): string {
  const parts = Array.isArray(result.content) ? (result.content as Array<{ type?: string; text?: unknown }>) : [];
  const text = parts.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : `[${String(p.type ?? 'unknown')} content]`)).join('\n');
  return text || (result.structuredContent === undefined ? '' : JSON.stringify(result.structuredContent));
}

/**
 * MCP connections, pooled per process: one per tool server (per version: an edit reconnects),
 * opened at first use, dropped when their transport closes (a stdio server that died is started
 * again at the next call). A stdio server runs with the SDK's minimal environment plus its own env,
 * never Baton's (no provider key reaches it), and only a command on TOOL_COMMANDS starts.
 */
export function createMcpPool(opts: { allowedCommands: readonly string[]; logger: Logger }) {
  const pool = new Map<string, Promise<Connection>>();
  const versionOf = (s: ToolServerConnection) => `${s.id}@${s.updatedAt}`;

  async function open(s: ToolServerConnection, version: string): Promise<Connection> {
    checkServerShape(s, opts.allowedCommands); // the allowlist may have changed since it was registered
    const transport =
      s.transport === 'STDIO'
        ? new StdioClientTransport({ command: s.command!, args: s.args, env: { ...getDefaultEnvironment(), ...s.env }, stderr: 'ignore' })
        : new StreamableHTTPClientTransport(new URL(s.url!));
    const client = new Client({ name: 'baton', version: '0.1.0' });
    client.onclose = () => {
      void pool.get(s.id)?.then(
        (c) => c.version === version && pool.delete(s.id),
        () => {},
      );
    };
    await client.connect(transport, { timeout: s.timeoutMs });
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: s.timeoutMs });
      tools.push(...(page.tools as McpTool[]));
      cursor = page.nextCursor;
    } while (cursor && tools.length < 1000);
    return { version, client, tools };
  }

  /** Drops the pooled connection of a server if it is still this one, and closes it. */
  function forget(id: string, conn: Connection) {
    void pool.get(id)?.then(
      (c) => {
        if (c !== conn) return;
        pool.delete(id);
        void c.client.close().catch(() => {});
      },
      () => {},
    );
  }

  async function connection(s: ToolServerConnection): Promise<Connection> {
    const version = versionOf(s);
    const current = pool.get(s.id);
    if (current) {
      const c = await current.catch(() => undefined);
      if (c?.version === version) return c;
      if (pool.get(s.id) === current) pool.delete(s.id);
      if (c) void c.client.close().catch(() => {});
    }
    let next = pool.get(s.id);
    if (!next) {
      next = open(s, version);
      pool.set(s.id, next);
      // A failed start is not kept: the next call tries again.
      next.catch(() => pool.get(s.id) === next && pool.delete(s.id));
    }
    return next;
  }

  return {
    /** The server's tools as handles (all of them, or those `only` names). */
    async tools(s: ToolServerConnection, only?: ReadonlySet<string>): Promise<ToolHandle[]> {
      let conn: Connection;
      try {
        conn = await connection(s);
      } catch (err) {
        opts.logger.warn({ server: s.name, err: err instanceof Error ? err.message : String(err) }, 'could not connect to a tool server');
        throw new Error(`tool server ${s.name} could not be reached`, { cause: err }); // the cause stays in the process: the message is what the model sees
      }
      return conn.tools
        .filter((t) => !only || only.has(t.name))
        .map((t) => ({
          id: `${s.name}/${t.name}`,
          name: functionName(s.name, t.name),
          description: t.description ?? '',
          parameters: t.inputSchema ?? { type: 'object', properties: {} },
          timeoutMs: s.timeoutMs,
          async call(args, ctx) {
            try {
              const result = await conn.client.callTool({ name: t.name, arguments: args }, undefined, { signal: ctx.signal, timeout: s.timeoutMs });
              const text = resultText(result as { content?: unknown });
              if (result.isError) throw new ToolError(text || 'the tool reported an error');
              return text;
            } catch (err) {
              if (ctx.signal.aborted || err instanceof ToolError) throw err;
              // The connection itself failed: drop it so the next call starts the server again.
              if ((err as { code?: unknown }).code === ErrorCode.ConnectionClosed) forget(s.id, conn);
              throw err;
            }
          },
        }));
    },
    async close() {
      const all = [...pool.values()];
      pool.clear();
      await Promise.all(
        all.map((p) =>
          p
            .then(
              (c) => c.client.close(),
              () => {},
            )
            .catch(() => {}),
        ),
      );
    },
  };
}

export type McpPool = ReturnType<typeof createMcpPool>;
