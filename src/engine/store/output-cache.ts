import type { DependencyOutput } from '../types.ts';
import { createBatcher } from './batcher.ts';
import type { Connections } from './sql.ts';

/** Characters of outputs kept; the oldest are dropped past it. */
const RECENT_CHARS = 20_000_000;

/**
 * Outputs of tasks for their dependents' prompts: copies of those this process completed (a
 * COMPLETED task's output never changes, so a copy is as good as a read), the rest read, with the
 * reads for one workflow made together done in one query.
 */
export function createOutputCache(conns: Connections) {
  const recent = new Map<string, DependencyOutput>();
  let recentChars = 0;

  const readOutputs = createBatcher<string[], DependencyOutput[]>(async (workflowId, lists) => {
    const wanted = [...new Set(lists.flat())];
    const rows = await conns.query((sql) => {
      const [keys, list] = sql.inList('key', wanted);
      return sql.all<{ key: string; agent: string; output: string | null }>(`SELECT key, agent, output FROM tasks WHERE workflow_id = ? AND ${keys}`, [workflowId, list]);
    });
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return lists.map((keys) => keys.map((k) => ({ key: k, agent: byKey.get(k)?.agent as string, output: byKey.get(k)?.output ?? '' })));
  });

  return {
    /** A task of this workflow completed (committed) with this output. */
    remember(workflowId: string, o: DependencyOutput) {
      recent.set(`${workflowId}/${o.key}`, o);
      recentChars += o.output.length;
      for (const [k, old] of recent) {
        if (recentChars <= RECENT_CHARS) break;
        recent.delete(k);
        recentChars -= old.output.length;
      }
    },
    /** The outputs of these tasks of one workflow, in order: those given, then copies, then reads. */
    async outputs(workflowId: string, keys: string[], given: DependencyOutput[] = []): Promise<DependencyOutput[]> {
      if (keys.length === 0) return [];
      const have = keys.map((k) => given.find((g) => g.key === k) ?? recent.get(`${workflowId}/${k}`));
      const missing = keys.filter((_, i) => !have[i]);
      if (missing.length === 0) return have as DependencyOutput[];
      const read = new Map((await readOutputs(workflowId, missing)).map((o) => [o.key, o]));
      return keys.map((k, i) => have[i] ?? read.get(k)!);
    },
  };
}
