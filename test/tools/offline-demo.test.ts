import { rmSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { gqlData, tempWorkspaceDir } from './support.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`the no-config demo ends with one artifact per task (${testDialect})`, () => {
  let t: TestApp;
  const dir = tempWorkspaceDir();
  beforeAll(async () => {
    // No model configuration: the offline model, the built-in agents and their workspace.
    t = await startTestApp({ WORKSPACE_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plans the auth request with autoStart, completes, and every task wrote its deliverable; dependents read their dependencies', async () => {
    const { planWorkflow } = await gqlData(t, 'mutation($i: PlanWorkflowInput!) { planWorkflow(input: $i) { id } }', {
      i: { request: 'Build a complete auth system.', autoStart: true },
    });
    const id = planWorkflow.id.slice('Workflow:'.length);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { tasks { key dependsOn { key } } artifacts { path size writtenBy { key } } } }', { id });
    const tasks = workflow.tasks as Array<{ key: string; dependsOn: Array<{ key: string }> }>;
    const artifacts = workflow.artifacts as Array<{ path: string; size: number; writtenBy: { key: string } }>;
    expect(tasks.length).toBeGreaterThan(1);
    // One artifact per task, each written by its task, named for its deliverable.
    expect(artifacts.map((a) => a.writtenBy.key).sort()).toEqual(tasks.map((x) => x.key).sort());
    for (const a of artifacts) expect(a.path).toMatch(new RegExp(`^deliverables/task-${a.writtenBy.key}-[a-z0-9-]+\\.md$`));

    // A dependent read its dependencies' files (read_file calls, then their results, in the event log).
    const dependent = tasks.find((x) => x.dependsOn.length > 0)!;
    const { artifact } = await gqlData(t, 'query($id: ID!, $p: String!) { artifact(workflowId: $id, path: $p) { content } }', {
      id,
      p: artifacts.find((a) => a.writtenBy.key === dependent.key)!.path,
    });
    for (const dep of dependent.dependsOn) {
      const depPath = artifacts.find((a) => a.writtenBy.key === dep.key)!.path;
      expect(artifact.content).toContain(`- ${depPath}: `);
    }

    const { workflowEvents } = await gqlData(
      t,
      'query($id: ID!) { workflowEvents(workflowId: $id, first: 100) { seq kind ... on TaskToolCallEvent { key tool arguments callId } ... on TaskToolResultEvent { key callId ok } } }',
      { id },
    );
    const calls = workflowEvents.filter((e: { kind: string }) => e.kind === 'TASK_TOOL_CALL');
    expect(calls.filter((c: { tool: string }) => c.tool === 'workspace/write_file')).toHaveLength(tasks.length);
    expect(calls.some((c: { tool: string; key: string }) => c.tool === 'workspace/read_file' && c.key === dependent.key)).toBe(true);

    // The zip holds every artifact.
    const res = await t.fetch(`http://baton.test/workflows/${id}/artifacts.zip`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const zip = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(zip).sort()).toEqual(artifacts.map((a) => a.path).sort());
  });
});
