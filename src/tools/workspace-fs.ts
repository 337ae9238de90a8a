import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { checkWorkflowId, checkWriteLimits, type Workspace, WorkspaceError, type WorkspaceFile, workspacePath } from './workspace.ts';

const INDEX = '.baton-index.json';
type Index = Record<string, Omit<WorkspaceFile, 'path'>>;

const code = (e: unknown) => (e as { code?: string }).code;

/**
 * Embedded mode: a directory per workflow under `dir`, jailed to it. Every path is checked by
 * workspacePath (no `..`, nothing absolute), and every segment on the way is lstat-ed: a symlink
 * anywhere (to a directory or a file) is refused, so nothing is read or written outside the
 * workflow's directory. A write goes to a temporary file renamed over the target (rename replaces a
 * link, never follows it). Who wrote what is kept in an index file beside the files. One process
 * owns an embedded workspace: writes of one workflow are serialized in it.
 */
export function createFsWorkspace(dir: string): Workspace & { rootOf(workflowId: string): string } {
  const base = resolve(dir);
  const locks = new Map<string, Promise<unknown>>();
  const serialize = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(id) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => {});
    locks.set(id, tail);
    void tail.then(() => locks.get(id) === tail && locks.delete(id));
    return run;
  };
  const rootOf = (workflowId: string) => join(base, checkWorkflowId(workflowId));

  async function readIndex(root: string): Promise<Index> {
    try {
      const parsed = JSON.parse(await readFile(join(root, INDEX), 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Index) : {};
    } catch (e) {
      if (code(e) === 'ENOENT') return {};
      throw e;
    }
  }

  /** The real path of `path` inside root, every existing segment checked; directories made when `make`. */
  async function jailed(root: string, path: string, make: boolean): Promise<string | null> {
    const realRoot = await realpath(root);
    const segments = path.split('/');
    let cur = realRoot;
    for (const [i, s] of segments.entries()) {
      cur = join(cur, s);
      const last = i === segments.length - 1;
      let st;
      try {
        st = await lstat(cur);
      } catch (e) {
        if (code(e) !== 'ENOENT') throw e;
        if (last) break;
        if (!make) return null;
        await mkdir(cur);
        continue;
      }
      if (st.isSymbolicLink()) throw new WorkspaceError(`${path}: a symbolic link in the workspace is refused`);
      if (!last && !st.isDirectory()) throw new WorkspaceError(`${path}: ${segments.slice(0, i + 1).join('/')} is a file, not a directory`);
      if (last && !st.isFile()) throw new WorkspaceError(`${path} is not a file`);
    }
    if (!cur.startsWith(realRoot + sep)) throw new WorkspaceError(`${path} is outside the workspace`);
    return cur;
  }

  return {
    rootOf,
    async list(workflowId) {
      const index = await readIndex(rootOf(workflowId));
      return Object.entries(index)
        .map(([path, f]) => ({ path, ...f }))
        .sort((a, b) => a.path.localeCompare(b.path));
    },
    async read(workflowId, rawPath) {
      const path = workspacePath(rawPath);
      const root = rootOf(workflowId);
      const meta = (await readIndex(root))[path];
      if (!meta) return null;
      const file = await jailed(root, path, false).catch((e) => (code(e) === 'ENOENT' ? null : Promise.reject(e)));
      if (!file) return null;
      try {
        return { path, ...meta, content: await readFile(file, 'utf8') };
      } catch (e) {
        if (code(e) === 'ENOENT') return null;
        throw e;
      }
    },
    // async: a refused id or path rejects the promise, as in every adapter, rather than throwing.
    async removeAll(workflowId) {
      const root = rootOf(workflowId);
      return serialize(root, () => rm(root, { recursive: true, force: true }));
    },
    async write(workflowId, rawPath, content, writtenBy) {
      const path = workspacePath(rawPath);
      const root = rootOf(workflowId);
      return serialize(root, async () => {
        await mkdir(root, { recursive: true });
        const index = await readIndex(root);
        const size = Buffer.byteLength(content, 'utf8');
        checkWriteLimits(
          Object.entries(index).map(([p, f]) => ({ path: p, ...f })),
          path,
          size,
        );
        const target = (await jailed(root, path, true))!;
        const tmp = join(root, `.baton-tmp-${randomUUID()}`);
        try {
          await writeFile(tmp, content, { flag: 'wx' });
          await rename(tmp, target);
        } finally {
          await rm(tmp, { force: true });
        }
        const file: WorkspaceFile = { path, size, updatedAt: Date.now(), writtenBy };
        index[path] = { size, updatedAt: file.updatedAt, writtenBy };
        const tmpIndex = join(root, `.baton-tmp-${randomUUID()}`);
        await writeFile(tmpIndex, JSON.stringify(index), { flag: 'wx' });
        await rename(tmpIndex, join(root, INDEX));
        return file;
      });
    },
  };
}
