import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { type FakeS3, startFakeS3 } from '../support/fake-s3.ts';
import { type BatonProcess, cleanUp, deleteRedisKeys, killAllBatons, redisKeys, spawnBaton } from '../support/processes.ts';
import { createTestDatabase, REDIS_TEST_URL, serviceAvailable, type TestDatabase, testDialect, testRedisPrefix } from '../support/services.ts';
import { gqlData } from './support.ts';

/**
 * Issue #16's shared store in PostgreSQL + BullMQ mode: an API (this process) and two ROLE=worker
 * processes, all with WORKSPACE_URL at one fake S3 bucket. Tasks on either worker read what the
 * other wrote, the API serves the artifacts from the bucket, and `workspace_files` stays empty.
 */
const available = testDialect === 'postgresql' && (await serviceAvailable('postgresql')) && (await serviceAvailable('redis'));

describe.runIf(available)('the S3 workspace shared by an API and two BullMQ workers (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  let s3: FakeS3;
  let t: TestApp;
  const workers: BatonProcess[] = [];
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    s3 = await startFakeS3({ pageSize: 4 });
    const shared = {
      REDIS_URL: REDIS_TEST_URL,
      REDIS_PREFIX: prefix,
      WORKSPACE_URL: `${s3.url}/shared-bucket/baton`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    t = await startTestApp({ ...shared, ROLE: 'api' }, {}, db); // migrates the database first
    for (const n of [1, 2]) workers.push(spawnBaton({ ...db.env, ...shared, ROLE: 'worker', OFFLINE_TOKEN_DELAY_MS: '0', RETRY_BASE_MS: '10' }, `worker-${n}`));
    await Promise.all(workers.map((w) => w.ready));
    // The start line says where the files go.
    expect(workers[0]!.output()).toContain(`"workspace":"s3 ${s3.url}/shared-bucket/baton"`);
  });
  afterAll(() =>
    cleanUp(
      () => killAllBatons(),
      () => t?.close(),
      () => s3?.close(),
      async () => {
        await deleteRedisKeys(REDIS_TEST_URL, prefix);
        expect(await redisKeys(REDIS_TEST_URL, prefix)).toEqual([]);
      },
      () => db?.drop(),
    ),
  );

  it('the offline demo runs on the workers; its artifacts are objects in the bucket, served by the API (GraphQL and zip)', async () => {
    const { planWorkflow } = await gqlData(t, 'mutation($i: PlanWorkflowInput!) { planWorkflow(input: $i) { id } }', {
      i: { request: 'Build a complete auth system.', autoStart: true },
    });
    const id = planWorkflow.id.slice('Workflow:'.length);
    expect(await waitForStatus(t.app, id, ['COMPLETED', 'FAILED'], 60_000)).toBe('COMPLETED');
    const { workflow } = await gqlData(t, 'query($id: ID!) { workflow(id: $id) { tasks { key dependsOn { key } } artifacts { path writtenBy { key } } } }', { id });
    const artifacts = workflow.artifacts as Array<{ path: string; writtenBy: { key: string } }>;
    expect(artifacts.map((a) => a.writtenBy.key).sort()).toEqual(workflow.tasks.map((x: { key: string }) => x.key).sort());
    const keys = [...s3.objects.keys()].filter((k) => k.startsWith(`shared-bucket/baton/${id}/`));
    expect(keys).toHaveLength(artifacts.length);
    const [rows] = await t.app.services.db.knex('workspace_files').where({ workflow_id: id }).count({ n: '*' });
    expect(Number(rows!.n)).toBe(0);

    // A dependent's deliverable names its dependencies' files: it read them from the bucket.
    const dependent = (workflow.tasks as Array<{ key: string; dependsOn: Array<{ key: string }> }>).find((x) => x.dependsOn.length > 0)!;
    const { artifact } = await gqlData(t, 'query($id: ID!, $p: String!) { artifact(workflowId: $id, path: $p) { content } }', {
      id,
      p: artifacts.find((a) => a.writtenBy.key === dependent.key)!.path,
    });
    for (const dep of dependent.dependsOn) expect(artifact.content).toContain(`- ${artifacts.find((a) => a.writtenBy.key === dep.key)!.path}: `);

    const res = await t.fetch(`http://baton.test/workflows/${id}/artifacts.zip`);
    expect(res.status).toBe(200);
    expect(Object.keys(unzipSync(new Uint8Array(await res.arrayBuffer()))).sort()).toEqual(artifacts.map((a) => a.path).sort());
  }, 120_000);
});
