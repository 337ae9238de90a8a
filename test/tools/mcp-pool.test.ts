import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/logger.ts';
import { createMcpPool, functionName } from '../../src/tools/mcp-pool.ts';
import type { ToolServerConnection } from '../../src/tools/tool-server-store.ts';

const record = (over: Partial<ToolServerConnection>): ToolServerConnection => ({
  id: 'id-1',
  name: 'calc',
  transport: 'HTTP',
  command: null,
  args: [],
  env: {},
  envKeys: [],
  url: null,
  timeoutMs: 5000,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});

describe('the MCP pool', () => {
  let http: Server;
  let url: string;
  let requests = 0;
  beforeAll(async () => {
    // A stateless Streamable HTTP MCP server: a fresh server and transport per request.
    http = createServer(async (req, res) => {
      requests++;
      const server = new McpServer({ name: 'calc', version: '1.0.0' });
      server.registerTool('add', { description: 'Adds.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise<void>((r) => http.close(() => r())));

  it('calls an HTTP server through StreamableHTTPClientTransport; tools are named server__tool', async () => {
    const pool = createMcpPool({ allowedCommands: [], logger: createLogger('silent') });
    const tools = await pool.tools(record({ url }));
    expect(tools.map((t) => [t.id, t.name])).toEqual([['calc/add', 'calc__add']]);
    const signal = new AbortController().signal;
    expect(await tools[0]!.call({ a: 2, b: 40 }, { workflowId: 'w', taskKey: '1', signal })).toBe('42');
    // Pooled: asking again reuses the connection (no new initialize round).
    const before = requests;
    await pool.tools(record({ url }));
    expect(requests).toBe(before);
    await pool.close();
  });

  it('a stdio command that left TOOL_COMMANDS does not start; function names stay within OpenAI rules', async () => {
    const pool = createMcpPool({ allowedCommands: [], logger: createLogger('silent') });
    await expect(pool.tools(record({ transport: 'STDIO', command: 'node', args: ['-e', '0'] }))).rejects.toThrow('tool server calc could not be reached');
    expect(functionName('a.b', 'x y/z'.repeat(20))).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });
});
