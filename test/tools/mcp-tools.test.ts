import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { createWorkflow, gql, gqlData, startWorkflow, taskKeyOf, tempWorkspaceDir, toolContents, toolEvents, toolTurns } from './support.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const SERVER = resolve(import.meta.dirname, 'fixtures/mcp-server.ts');
const CREATE = `mutation($i: CreateToolServerInput!) { createToolServer(input: $i) { name transport command args envKeys url timeoutMs } }`;

describe.runIf(runs)(`MCP tool servers through the real OpenAI client (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const dir = tempWorkspaceDir();
  const mark = join(dir, 'cancel-mark');

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const key = taskKeyOf(req.body);
      if (toolTurns(req.body) > 0) return { content: `final: ${toolContents(req.body).join(' | ')}` };
      if (key === 'm1')
        return {
          toolCalls: [
            { id: 'c1', name: 'tools__shout', arguments: { text: 'hello' } },
            { id: 'c2', name: 'tools__fail', arguments: {} },
          ],
        };
      if (key === 's1') return { toolCalls: [{ id: 'slow1', name: 'tools__slow', arguments: { ms: 60_000 } }] };
      return { content: `final answer of task ${key}` };
    });
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy', WORKSPACE_DIR: dir, TOOL_COMMANDS: 'node' });
    await gqlData(t, CREATE, {
      i: { name: 'tools', transport: 'STDIO', command: 'node', args: ['--import', 'tsx', SERVER], env: [{ name: 'CANCEL_MARK', value: mark }], timeoutMs: 20_000 },
    });
    await gqlData(t, 'mutation { createAgent(input: { name: "toolsmith", role: "uses MCP tools", tools: ["tools"] }) { name tools } }');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the model asks for tool calls, Baton calls the stdio server, the final answer is the output; events are stored in order', async () => {
    const id = await createWorkflow(t, [{ key: 'm1', agent: '@toolsmith', description: 'shout hello' }]);
    await startWorkflow(t, id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const events = await toolEvents(t, id);
    const kinds = events.map((e) => e.kind);
    const started = kinds.indexOf('TASK_STARTED');
    const calls = events.filter((e) => e.kind === 'TASK_TOOL_CALL');
    const results = events.filter((e) => e.kind === 'TASK_TOOL_RESULT');
    expect(calls.map((c) => [c.callId, c.tool, JSON.parse(c.arguments!)])).toEqual([
      ['c1', 'tools/shout', { text: 'hello' }],
      ['c2', 'tools/fail', {}],
    ]);
    expect(results.map((r) => [r.callId, r.ok]).sort()).toEqual([
      ['c1', true],
      ['c2', false],
    ]);
    expect(results.find((r) => r.callId === 'c1')!.preview).toMatch(/^HELLO! \(pid \d+\)$/);
    expect(results.find((r) => r.callId === 'c2')!.preview).toContain('this tool always fails');
    // In order: started, both calls, their results, then completed; seqs without gaps.
    expect(started).toBeGreaterThanOrEqual(0);
    expect(Math.min(...calls.map((c) => kinds.indexOf(c.kind)))).toBeGreaterThan(started);
    expect(kinds.lastIndexOf('TASK_TOOL_CALL')).toBeLessThan(kinds.indexOf('TASK_TOOL_RESULT'));
    expect(kinds.lastIndexOf('TASK_TOOL_RESULT')).toBeLessThan(kinds.indexOf('TASK_COMPLETED'));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // An agent without the workspace tool set gets no workspace section in its prompt; the server's tools are offered.
    const first = fake.requests.find((r) => taskKeyOf(r.body) === 'm1')!.body;
    expect(JSON.stringify(first.messages)).not.toContain('shared workspace');
    expect(first.tools.map((x: { function: { name: string } }) => x.function.name).sort()).toEqual(['tools__fail', 'tools__shout', 'tools__slow']);
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { tasks { output } } }', { id });
    expect(workflow.tasks[0].output).toMatch(/^final: <tool_result tool="tools__shout" ok="true" nonce="[0-9a-f]+">\nHELLO! \(pid \d+\)\n<\/tool_result/);
  });

  it('the connection is pooled (one server process for two tasks) and restarted when the server dies', async () => {
    const pidOf = async () => {
      const id = await createWorkflow(t, [{ key: 'm1', agent: '@toolsmith', description: 'shout hello' }]);
      await startWorkflow(t, id);
      expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
      const shout = (await toolEvents(t, id)).find((e) => e.kind === 'TASK_TOOL_RESULT' && e.callId === 'c1')!;
      expect(shout.ok).toBe(true);
      return Number(/pid (\d+)/.exec(shout.preview!)![1]);
    };
    const first = await pidOf();
    expect(await pidOf()).toBe(first);
    process.kill(first, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const restarted = await pidOf();
    expect(restarted).not.toBe(first);
  });

  it('cancel during a slow tool call aborts it (the server sees the cancel)', async () => {
    const id = await createWorkflow(t, [{ key: 's1', agent: '@toolsmith', description: 'wait a minute' }]);
    await startWorkflow(t, id);
    const until = Date.now() + 15_000;
    while (!(await toolEvents(t, id)).some((e) => e.kind === 'TASK_TOOL_CALL')) {
      if (Date.now() > until) throw new Error('no tool call');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200)); // the call reached the server
    const cancelled = Date.now();
    await gqlData(t, 'mutation($id: ID!) { cancelWorkflow(id: $id) { status } }', { id });
    expect(await waitForStatus(t.app, id, ['CANCELLED'])).toBe('CANCELLED');
    while (!existsSync(mark)) {
      if (Date.now() - cancelled > 5000) throw new Error('the tool server never saw the cancel');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - cancelled).toBeLessThan(5000);
    expect((await toolEvents(t, id)).some((e) => e.kind === 'TASK_TOOL_RESULT')).toBe(false);
  });

  it('Agent.tools: the built-ins have the workspace; createAgent and updateAgent set the list', async () => {
    const { agents } = await gqlData(t, '{ agents { name tools } }');
    for (const name of ['backend', 'frontend', 'qa', 'devops']) expect(agents.find((a: { name: string }) => a.name === name).tools).toEqual(['workspace']);
    expect(agents.find((a: { name: string }) => a.name === 'toolsmith').tools).toEqual(['tools']);
    const { updateAgent } = await gqlData(t, 'mutation { updateAgent(name: "backend", input: { tools: ["workspace/read_file", "tools/shout"] }) { tools } }');
    expect(updateAgent.tools).toEqual(['workspace/read_file', 'tools/shout']);
    const bad = await gql(t, 'mutation { updateAgent(name: "backend", input: { tools: ["../x"] }) { tools } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const { updateAgent: reset } = await gqlData(t, 'mutation { updateAgent(name: "backend", input: { tools: ["workspace"] }) { tools } }');
    expect(reset.tools).toEqual(['workspace']);
  });

  it('a viewer cannot register a tool server; a command not on TOOL_COMMANDS is refused; env values are never returned', async () => {
    const { key: viewer } = await t.app.services.keys.create('default', 'viewer', 'viewer');
    const byViewer = await gql(t, CREATE, { i: { name: 'v', transport: 'HTTP', url: 'http://127.0.0.1:1/mcp' } }, viewer);
    expect(byViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const listByViewer = await gql(t, '{ toolServers { name } }', {}, viewer);
    expect(listByViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const bash = await gql(t, CREATE, { i: { name: 'sh', transport: 'STDIO', command: 'bash', args: ['-c', 'id'] } });
    expect(bash.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COMMAND_NOT_ALLOWED' });
    const path = await gql(t, CREATE, { i: { name: 'sh2', transport: 'STDIO', command: '/usr/bin/node' } });
    expect(path.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const { toolServers } = await gqlData(t, '{ toolServers { name envKeys } }');
    expect(toolServers).toEqual([{ name: 'tools', envKeys: ['CANCEL_MARK'] }]);
    const raw = await (
      await t.fetch('http://baton.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ toolServers { name envKeys args command } }' }),
      })
    ).text();
    expect(raw).not.toContain(mark);
  });
});
