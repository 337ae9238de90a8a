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
    /** The tenant's own agent of a name, else the built-in template. */
    agent: new DataLoader<string, AgentRow | null>(async (names) =>
      byKey(names, effectiveAgents(await em.find(AgentEntity, { name: { $in: [...names] }, tenant: { $in: [tenant, TEMPLATE_TENANT] } }), tenant), (a) => a.name),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
