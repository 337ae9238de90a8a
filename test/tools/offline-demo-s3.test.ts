import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeS3, startFakeS3 } from '../support/fake-s3.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { gqlData } from './support.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`the offline demo with WORKSPACE_URL keeps its artifacts in the bucket (${testDialect})`, () => {
  let t: TestApp;
  let s3: FakeS3;
  beforeAll(async () => {
    s3 = await startFakeS3({ pageSize: 3 });
    t = await startTestApp({ WORKSPACE_URL: `${s3.url}/baton-test/demo`, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('every task writes its deliverable to <prefix>/<workflowId>/; artifacts, artifact and the zip read them back; deleteWorkflow empties it', async () => {
    const { planWorkflow } = await gqlData(t, 'mutation($i: PlanWorkflowInput!) { planWorkflow(input: $i) { id } }', {
      i: { request: 'Build a complete auth system.', autoStart: true },
    });
    const id = planWorkflow.id.slice('Workflow:'.length);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'])).toBe('COMPLETED');
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { tasks { key } artifacts { path size writtenBy { key } } } }', { id });
    const artifacts = workflow.artifacts as Array<{ path: string; size: number; writtenBy: { key: string } }>;
    expect(artifacts.map((a) => a.writtenBy.key).sort()).toEqual(workflow.tasks.map((x: { key: string }) => x.key).sort());

    // The files are objects in the bucket, not rows or a directory.
    const keys = [...s3.objects.keys()].filter((k) => k.startsWith(`baton-test/demo/${id}/`));
    expect(keys.map((k) => k.slice(`baton-test/demo/${id}/`.length)).sort()).toEqual(artifacts.map((a) => a.path).sort());
    const [rows] = await t.app.services.db.knex('workspace_files').where({ workflow_id: id }).count({ n: '*' });
    expect(Number(rows!.n)).toBe(0);

    const first = artifacts[0]!;
    const { artifact } = await gqlData(t, 'query($id: ID!, $p: String!) { artifact(workflowId: $id, path: $p) { content size } }', { id, p: first.path });
    expect(artifact.size).toBe(first.size);
    expect(artifact.content).toBe(s3.objects.get(`baton-test/demo/${id}/${first.path}`)!.body.toString('utf8'));

    const res = await t.fetch(`http://baton.test/workflows/${id}/artifacts.zip`);
    expect(res.status).toBe(200);
    const zip = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(zip).sort()).toEqual(artifacts.map((a) => a.path).sort());
    expect(new TextDecoder().decode(zip[first.path])).toBe(artifact.content);

    await gqlData(t, 'mutation($id: ID!) { deleteWorkflow(id: $id) { deleted } }', { id });
    expect([...s3.objects.keys()].filter((k) => k.startsWith(`baton-test/demo/${id}/`))).toEqual([]);
  });
});
