import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyModelError } from '../../src/agents/error-class.ts';
import { createDb, type Db } from '../../src/db/orm.ts';
import { createDbWorkspace } from '../../src/tools/workspace-db.ts';
import { createFsWorkspace } from '../../src/tools/workspace-fs.ts';
import { createS3Workspace, WorkspaceStoreError } from '../../src/tools/workspace-s3.ts';
import { checkWriteLimits, type Workspace, WORKSPACE_LIMITS, WorkspaceError, workspacePath } from '../../src/tools/workspace.ts';
import { type FakeS3, startFakeS3 } from '../support/fake-s3.ts';
import { createTestDatabase, serviceAvailable, testDialect, type TestDatabase } from '../support/services.ts';
import { tempWorkspaceDir } from './support.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe('workspace paths (pure)', () => {
  it('keeps relative paths and refuses .., absolute paths, empty segments, control characters and .baton', () => {
    expect(workspacePath('src/register.ts')).toBe('src/register.ts');
    expect(workspacePath('./docs/a b.md')).toBe('docs/a b.md');
    for (const bad of ['../../etc/x', 'a/../../b', '/etc/passwd', 'C:/x', 'a//b', 'a/./b', 'a\\b', 'a\u0000b', '', '   ', '.baton-index.json', 'x'.repeat(300), 42]) {
      expect(() => workspacePath(bad), String(bad)).toThrow(WorkspaceError);
    }
  });
  it('refuses a write past the file, count or total limits; replacing a file counts its new size only', () => {
    const files = [{ path: 'a', size: WORKSPACE_LIMITS.totalBytes - 10, updatedAt: 0, writtenBy: '1' }];
    expect(() => checkWriteLimits([], 'big', WORKSPACE_LIMITS.fileBytes + 1)).toThrow(/limit/);
    expect(() => checkWriteLimits(files, 'b', 11)).toThrow(/would hold/);
    expect(() => checkWriteLimits(files, 'a', 1000)).not.toThrow();
  });
});

describe.runIf(runs)(`workspace adapters (${testDialect})`, () => {
  let database: TestDatabase;
  let db: Db;
  let s3: FakeS3;
  const dir = tempWorkspaceDir();
  const s3Config = (prefix = 'baton/ws') => ({
    bucket: 'test-bucket',
    prefix,
    endpoint: s3.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const s3Clients: Array<{ close(): void }> = [];
  const s3Workspace = (prefix?: string) => {
    const ws = createS3Workspace(s3Config(prefix), Date.now);
    s3Clients.push(ws);
    return ws;
  };
  const adapters: Array<[string, () => Workspace]> = [
    ['directory', () => createFsWorkspace(dir)],
    ['database', () => createDbWorkspace(db, Date.now)],
    ['s3', () => s3Workspace()],
  ];
  const newWorkflow = async () => {
    const id = randomUUID();
    await db.knex('workflows').insert({ id, tenant: 'default', description: 'w', status: 'EXECUTING', orchestrator: 'orchestrator', metadata: '{}', created_at: 1, updated_at: 1 });
    return id;
  };

  beforeAll(async () => {
    // A listing page of 5 keys: the 12-file tests below page through continuation tokens.
    s3 = await startFakeS3({ pageSize: 5 });
    database = await createTestDatabase();
    db = await createDb({ databaseUrl: database.env.DATABASE_URL, sqlitePath: database.env.SQLITE_PATH ?? '' });
    await db.migrate();
  });
  afterAll(async () => {
    for (const c of s3Clients) c.close();
    await s3?.close();
    await db?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, make] of adapters) {
    it(`${name}: a re-run's write replaces the earlier file by path (no second copy); list says who wrote it`, async () => {
      const ws = make();
      const id = await newWorkflow();
      await ws.write(id, 'src/a.ts', 'first attempt', '2');
      await ws.write(id, 'src/a.ts', 'second attempt', '2');
      await ws.write(id, 'README.md', 'é', '3');
      expect((await ws.list(id)).map((f) => [f.path, f.size, f.writtenBy])).toEqual([
        ['README.md', 2, '3'],
        ['src/a.ts', 14, '2'],
      ]);
      expect((await ws.read(id, 'src/a.ts'))?.content).toBe('second attempt');
      expect(await ws.read(id, 'missing.ts')).toBeNull();
      expect(await ws.list(await newWorkflow())).toEqual([]);
    });
    it(`${name}: parallel writes of one workflow all land`, async () => {
      const ws = make();
      const id = await newWorkflow();
      await Promise.all(Array.from({ length: 12 }, (_, i) => ws.write(id, `f${i}.txt`, `file ${i}`, String(i))));
      expect((await ws.list(id)).length).toBe(12);
    });
    it(`${name}: removeAll deletes one workflow's files and no other's`, async () => {
      const ws = make();
      const [a, b] = [await newWorkflow(), await newWorkflow()];
      await Promise.all(Array.from({ length: 12 }, (_, i) => ws.write(a, `d/f${i}.txt`, 'x', '1')));
      await ws.write(b, 'kept.txt', 'kept', '1');
      await ws.removeAll(a);
      expect(await ws.list(a)).toEqual([]);
      expect(await ws.read(a, 'd/f1.txt')).toBeNull();
      expect((await ws.read(b, 'kept.txt'))?.content).toBe('kept');
      await ws.removeAll(a); // nothing left: no error
    });
    it(`${name}: refuses a bad path or workflow id and a file past the limit (WorkspaceError); read gives metadata`, async () => {
      const ws = make();
      const id = await newWorkflow();
      await expect(ws.write(id, '../escape.txt', 'x', '1')).rejects.toThrow(WorkspaceError);
      await expect(ws.read(id, '/etc/passwd')).rejects.toThrow(WorkspaceError);
      await expect(ws.list('../other')).rejects.toThrow(WorkspaceError);
      await expect(ws.write(id, 'big.txt', 'x'.repeat(WORKSPACE_LIMITS.fileBytes + 1), '1')).rejects.toThrow(/limit/);
      const before = Date.now();
      await ws.write(id, 'notes/é.md', 'héllo', '4');
      const file = await ws.read(id, 'notes/é.md');
      expect(file).toMatchObject({ path: 'notes/é.md', size: 6, writtenBy: '4', content: 'héllo' });
      expect(file!.updatedAt).toBeGreaterThanOrEqual(before);
      expect(await ws.list(id)).toEqual([{ path: 'notes/é.md', size: 6, writtenBy: '4', updatedAt: file!.updatedAt }]);
    });
  }

  it('s3: a file is the object <prefix>/<workflowId>/<path>, writer and time as metadata; foreign keys are ignored', async () => {
    const ws = s3Workspace('team/baton');
    const id = await newWorkflow();
    await ws.write(id, 'src/a.ts', 'code', 'Task 2');
    const obj = s3.objects.get(`test-bucket/team/baton/${id}/src/a.ts`);
    expect(obj?.body.toString()).toBe('code');
    expect(obj?.meta['x-amz-meta-written-by']).toBe('Task%202');
    expect(Number(obj?.meta['x-amz-meta-updated-at'])).toBeGreaterThan(0);
    // Objects no Baton path names (a stray "a//b", a .baton key) are not files of the workspace.
    for (const k of ['a//b', '.baton-index.json']) s3.objects.set(`test-bucket/team/baton/${id}/${k}`, { ...obj!, meta: {} });
    expect((await ws.list(id)).map((f) => [f.path, f.writtenBy])).toEqual([['src/a.ts', 'Task 2']]);
    // Another prefix is another workspace.
    expect(await s3Workspace('team/other').list(id)).toEqual([]);
  });

  it('s3: a store that fails is WorkspaceStoreError (WORKSPACE_UNAVAILABLE), naming no request details', async () => {
    const down = await startFakeS3();
    const ws = createS3Workspace({ ...s3Config(), endpoint: down.url }, Date.now);
    s3Clients.push(ws);
    await down.close();
    const id = await newWorkflow();
    const err = await ws.list(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkspaceStoreError);
    expect(err).toMatchObject({ code: 'WORKSPACE_UNAVAILABLE' });
    expect((err as Error).message).not.toContain(down.url);
    // A store that cannot be reached is a passing failure: the task's attempt is retried.
    expect(classifyModelError(err).retryable).toBe(true);
  });

  it('directory: a symlink anywhere on the path is refused, for writes and reads; nothing lands outside', async () => {
    const ws = createFsWorkspace(dir);
    const id = await newWorkflow();
    const outside = tempWorkspaceDir();
    await ws.write(id, 'ok.txt', 'fine', '1');
    symlinkSync(outside, join(ws.rootOf(id), 'out'));
    writeFileSync(join(outside, 'secret'), 'do not read');
    symlinkSync(join(outside, 'secret'), join(ws.rootOf(id), 'secret-link'));
    await expect(ws.write(id, 'out/x', 'escape', '1')).rejects.toThrow(/symbolic link/);
    await expect(ws.write(id, 'secret-link', 'overwrite', '1')).rejects.toThrow(/symbolic link/);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('do not read');
    // A file the index knows, swapped for a link: the read is refused too.
    rmSync(join(ws.rootOf(id), 'ok.txt'));
    symlinkSync(join(outside, 'secret'), join(ws.rootOf(id), 'ok.txt'));
    await expect(ws.read(id, 'ok.txt')).rejects.toThrow(/symbolic link/);
    rmSync(outside, { recursive: true, force: true });
  });
});
