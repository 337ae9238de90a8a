import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { createWorkflow, gql, gqlData, startWorkflow, taskKeyOf, tempWorkspaceDir, toolContents, toolEvents, toolTurns } from './support.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const REGISTER_TS = 'export async function register(email: string, password: string) {\n  return { email, hash: await bcrypt.hash(password, 12) };\n}\n';
const MAX_STEPS = 4;

describe.runIf(runs)(`the workspace tool set through the real OpenAI client (${testDialect})`, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const dir = tempWorkspaceDir();
  const outside = tempWorkspaceDir();
  /** Per task key: what the fake model answers on its first turn (later turns: a final answer). */
  const firstTurn = new Map<string, FakeBehaviour>();

  beforeAll(async () => {
    fake = await startFakeOpenAI((req) => {
      const key = taskKeyOf(req.body);
      if (key.startsWith('loop')) return { toolCalls: [{ name: 'list_files', arguments: {} }] };
      if (key === 'r1') {
        // Attempt n writes "attempt n"; the first attempt then dies mid-loop (a 500), so the task runs again.
        const n = fake.requests.filter((r) => taskKeyOf(r.body) === 'r1' && toolTurns(r.body) === 0).length;
        if (toolTurns(req.body) === 0) return { toolCalls: [{ name: 'write_file', arguments: { path: 'out/r.txt', content: `attempt ${n}` } }] };
        return n === 1 ? { status: 500, message: 'upstream died' } : { content: 'rewritten' };
      }
      const first = firstTurn.get(key);
      if (toolTurns(req.body) === 0 && first) return first;
      return { content: `final answer of task ${key}` };
    });
    t = await startTestApp({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy', WORKSPACE_DIR: dir, TASK_MAX_TOOL_STEPS: String(MAX_STEPS) });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('task 2 writes src/register.ts; task 6 reads that exact content; artifacts list it; the zip holds it', async () => {
    firstTurn.set('2', { toolCalls: [{ name: 'write_file', arguments: { path: 'src/register.ts', content: REGISTER_TS } }] });
    firstTurn.set('6', { toolCalls: [{ name: 'read_file', arguments: { path: 'src/register.ts' } }] });
    const id = await createWorkflow(t, AUTH_TASKS);
    await startWorkflow(t, id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');

    const six = fake.requests.filter((r) => taskKeyOf(r.body) === '6');
    // Task 6's prompt lists the file as its dependency's; its second turn carries the file, whole, as data.
    expect(JSON.stringify(six[0]!.body.messages)).toMatch(/src\/register\.ts \d+ bytes by Task 2 \(dependency\)/);
    const [result] = toolContents(six[1]!.body);
    expect(result).toContain(REGISTER_TS);
    expect(result).toMatch(/^<tool_result tool="read_file" ok="true" nonce="[0-9a-f]+">/);

    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { artifacts { path size writtenBy { key } } tasks { key output } } }', { id });
    expect(workflow.artifacts).toEqual([{ path: 'src/register.ts', size: Buffer.byteLength(REGISTER_TS), writtenBy: { key: '2' } }]);
    expect(workflow.tasks.find((x: { key: string }) => x.key === '6').output).toBe('final answer of task 6');
    const { artifact } = await gqlData(t, 'query($id: ID!) { artifact(workflowId: $id, path: "src/register.ts") { content } }', { id });
    expect(artifact.content).toBe(REGISTER_TS);

    const res = await t.fetch(`http://baton.test/workflows/Workflow:${id}/artifacts.zip`);
    expect(res.status).toBe(200);
    const zip = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(new TextDecoder().decode(zip['src/register.ts'])).toBe(REGISTER_TS);
    // Without a key: 401, like the API; another tenant's key: 404 and NOT_FOUND, as for an unknown workflow.
    expect((await t.app.fetch(`http://baton.test/workflows/${id}/artifacts.zip`)).status).toBe(401);
    const { key: other } = await t.app.services.keys.create('other-tenant', 'admin', 'other');
    const foreign = await t.fetch(`http://baton.test/workflows/${id}/artifacts.zip`, { headers: { authorization: `Bearer ${other}` } });
    expect([foreign.status, await foreign.text()]).toEqual([404, 'workflow not found']);
    expect((await t.fetch('http://baton.test/workflows/%E0%A4%A/artifacts.zip')).status).toBe(404);
    const peek = await gql(t, 'query($id: ID!) { artifact(workflowId: $id, path: "src/register.ts") { content } }', { id }, other);
    expect(peek.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // Deleting the workflow deletes its workspace.
    await gqlData(t, 'mutation($id: ID!) { deleteWorkflow(id: $id) { deleted } }', { id });
    expect(await t.app.services.workspace.list(id)).toEqual([]);
    expect(existsSync(join(dir, id))).toBe(false);
  });

  it('a write_file to ../../etc/x or through a symlink is refused as a tool error; the workflow goes on', async () => {
    const calls = [
      { id: 'up', name: 'write_file', arguments: { path: '../../etc/x', content: 'escape' } },
      { id: 'abs', name: 'write_file', arguments: { path: '/tmp/x', content: 'escape' } },
      ...(testDialect === 'sqlite' ? [{ id: 'link', name: 'write_file', arguments: { path: 'link/x', content: 'escape' } }] : []),
    ];
    firstTurn.set('j1', { toolCalls: calls });
    const id = await createWorkflow(t, [
      { key: 'j1', agent: '@backend', description: 'try to escape' },
      { key: 'j2', agent: '@qa', description: 'runs after', dependsOn: ['j1'] },
    ]);
    if (testDialect === 'sqlite') {
      // Embedded mode: a link planted in the workflow's directory, pointing outside it.
      mkdirSync(join(dir, id), { recursive: true });
      symlinkSync(outside, join(dir, id, 'link'));
    }
    await startWorkflow(t, id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const events = await toolEvents(t, id);
    const results = events.filter((e) => e.kind === 'TASK_TOOL_RESULT');
    // The calls run in parallel: their results are stored in the order they end.
    expect(results.map((r) => [r.callId, r.ok]).sort()).toEqual(calls.map((c) => [c.id, false]).sort());
    expect(results.find((r) => r.callId === 'up')!.preview).toMatch(/may not leave the workspace/);
    if (testDialect === 'sqlite') expect(results.find((r) => r.callId === 'link')!.preview).toMatch(/symbolic link/);
    expect(existsSync(join(outside, 'x'))).toBe(false);
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { artifacts { path } } }', { id });
    expect(workflow.artifacts).toEqual([]);
  });

  it("a run that dies mid-loop runs again, and the re-run's write replaces the earlier one", async () => {
    const id = await createWorkflow(t, [{ key: 'r1', agent: '@backend', description: 'write twice' }]);
    await startWorkflow(t, id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { artifacts { path writtenBy { key } content } tasks { attempts } } }', { id });
    expect(workflow.tasks[0].attempts).toBe(2);
    expect(workflow.artifacts).toEqual([{ path: 'out/r.txt', writtenBy: { key: 'r1' }, content: 'attempt 2' }]);
  });

  it('a tool loop that never ends stops at TASK_MAX_TOOL_STEPS with a clear error, without another attempt', async () => {
    const id = await createWorkflow(t, [{ key: 'loop1', agent: '@backend', description: 'never finish' }]);
    const before = fake.requests.length;
    await startWorkflow(t, id);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('FAILED');
    const failed = (await toolEvents(t, id)).find((e) => e.kind === 'TASK_FAILED')!;
    expect(failed.error).toBe(`the tool loop reached TASK_MAX_TOOL_STEPS (${MAX_STEPS} model turns) without a final answer`);
    expect(fake.requests.slice(before).filter((r) => taskKeyOf(r.body) === 'loop1')).toHaveLength(MAX_STEPS);
    // Every turn of the loop is a model call counted in the task's usage (issue #15: tool loops count toward the budget).
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { usage { calls totalTokens } tasks { usage { calls totalTokens } } } }', { id });
    expect(workflow.tasks[0].usage.calls).toBe(MAX_STEPS);
    expect(workflow.usage.calls).toBe(MAX_STEPS);
    expect(workflow.tasks[0].usage.totalTokens).toBeGreaterThan(0);
  });
});
