import DataLoader from 'dataloader';
import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { effectiveAgents, TEMPLATE_TENANT } from '../agents/tenant-agents.ts';
import { AgentEntity, TaskEntity, WorkflowEntity } from '../db/entities.ts';
import { normalizeAgentName } from '../agents/name.ts';

export type WorkflowRow = InferEntity<typeof WorkflowEntity>;
export type TaskRow = InferEntity<typeof TaskEntity>;
export type AgentRow = InferEntity<typeof AgentEntity>;

/** "@Backend", "@backend" and "backend" name the same agent (stored as "backend"). */
/** An agent name as the loaders key it (see normalizeAgentName). */
export const agentName = normalizeAgentName;

const byKey = <K, V>(keys: readonly K[], rows: V[], keyOf: (v: V) => K) => {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
};

/**
 * One SQL statement per loader per tick, whatever the number of parents: a
 * page of 50 workflows with tasks, agents, dependsOn and dependents costs the
 * page query + tasks-by-workflow + agents-by-name. dependsOn/dependents are
 * resolved in memory from the workflow's task list.
 *
 * Every loader reads within `tenant`: another tenant's workflow or task loads
 * as null, exactly like an unknown id.
 */
export function createLoaders(em: EntityManager, tenant: string) {
  return {
    workflow: new DataLoader<string, WorkflowRow | null>(async (ids) => byKey(ids, await em.find(WorkflowEntity, { id: { $in: [...ids] }, tenant }), (w) => w.id)),
    task: new DataLoader<string, TaskRow | null>(async (ids) => byKey(ids, await em.find(TaskEntity, { id: { $in: [...ids] }, workflow: { tenant } }), (t) => t.id)),
    /** Only ever asked for workflows loaded through `workflow` (already in the tenant): no second check. */
    tasksByWorkflow: new DataLoader<string, TaskRow[]>(async (ids) => {
      const rows = await em.find(TaskEntity, { workflow: { $in: [...ids] } }, { orderBy: { orderIndex: 'asc' } });
      const groups = new Map<string, TaskRow[]>(ids.map((id) => [id, []]));
      for (const t of rows) groups.get(t.workflow.id)?.push(t);
      return ids.map((id) => groups.get(id)!);
    }),
    /** Usage of every model call of these workflows (only asked for workflows loaded in the tenant). */
    usageByWorkflow: new DataLoader<string, UsageSums>(async (ids) => usageSums(em, 'workflow_id', ids)),
    /**
     * Usage of every model call of these tasks (all attempts), keyed `<workflowId> <taskId>`: the
     * query names both, so it uses the (workflow_id, task_id) index.
     */
    usageByTask: new DataLoader<string, UsageSums>(async (keys) =>
      usageSums(
        em,
        'task_id',
        keys.map((k) => k.split(' ')[1]!),
        [...new Set(keys.map((k) => k.split(' ')[0]!))],
      ),
    ),
    /** The tenant's own agent of a name, else the built-in template. */
    agent: new DataLoader<string, AgentRow | null>(async (names) =>
      byKey(names, effectiveAgents(await em.find(AgentEntity, { name: { $in: [...names] }, tenant: { $in: [tenant, TEMPLATE_TENANT] } }), tenant), (a) => a.name),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Sums of model calls, with whether any was estimated and whether every one was priced. */
export interface UsageSums {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  estimated: boolean;
  priced: boolean;
  calls: number;
}

async function usageSums(em: EntityManager, by: 'workflow_id' | 'task_id', ids: readonly string[], workflowIds?: string[]): Promise<UsageSums[]> {
  const query = em.getKnex()('model_calls');
  if (workflowIds) query.whereIn('workflow_id', workflowIds);
  const rows: Array<Record<string, unknown>> = await query
    .whereIn(by, [...ids])
    .groupBy(by)
    .select(
      em
        .getKnex()
        .raw(
          `${by} AS k, SUM(input_tokens) AS i, SUM(output_tokens) AS o, SUM(cost_usd) AS c, MAX(CASE WHEN estimated THEN 1 ELSE 0 END) AS e, MIN(CASE WHEN priced THEN 1 ELSE 0 END) AS p, COUNT(*) AS n`,
        ),
    );
  const byId = new Map(rows.map((r) => [String(r.k), r]));
  return ids.map((id) => {
    const r = byId.get(id);
    if (!r) return { inputTokens: 0, outputTokens: 0, costUsd: 0, estimated: false, priced: true, calls: 0 };
    return {
      inputTokens: Number(r.i),
      outputTokens: Number(r.o),
      costUsd: Math.round(Number(r.c) * 1e8) / 1e8,
      estimated: Number(r.e) === 1,
      priced: Number(r.p) === 1,
      calls: Number(r.n),
    };
  });
}
