import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/orm.ts';
import { createDbWorkspace } from '../../src/tools/workspace-db.ts';
import { createFsWorkspace } from '../../src/tools/workspace-fs.ts';
import { checkWriteLimits, type Workspace, WORKSPACE_LIMITS, WorkspaceError, workspacePath } from '../../src/tools/workspace.ts';
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
  const dir = tempWorkspaceDir();
  const adapters: Array<[string, () => Workspace]> = [
    ['directory', () => createFsWorkspace(dir)],
    ['database', () => createDbWorkspace(db, Date.now)],
  ];
  const newWorkflow = async () => {
    const id = randomUUID();
    await db.knex('workflows').insert({ id, tenant: 'default', description: 'w', status: 'EXECUTING', orchestrator: 'orchestrator', metadata: '{}', created_at: 1, updated_at: 1 });
    return id;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDb({ databaseUrl: database.env.DATABASE_URL, sqlitePath: database.env.SQLITE_PATH ?? '' });
    await db.migrate();
  });
  afterAll(async () => {
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
  }

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
