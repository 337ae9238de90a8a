import DataLoader from 'dataloader';
import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { AgentEntity, TaskEntity, WorkflowEntity } from '../db/entities.ts';

export type WorkflowRow = InferEntity<typeof WorkflowEntity>;
export type TaskRow = InferEntity<typeof TaskEntity>;
export type AgentRow = InferEntity<typeof AgentEntity>;

/** "@Backend", "@backend" and "backend" name the same agent (stored as "backend"). */
export const agentName = (name: string) => name.trim().replace(/^@/, '').toLowerCase();

const byKey = <K, V>(keys: readonly K[], rows: V[], keyOf: (v: V) => K) => {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
};

/**
 * One SQL statement per loader per tick, whatever the number of parents: a
 * page of 50 workflows with tasks, agents, dependsOn and dependents costs the
 * page query + tasks-by-workflow + agents-by-name. dependsOn/dependents are
 * resolved in memory from the workflow's task list.
 */
export function createLoaders(em: EntityManager) {
  return {
    workflow: new DataLoader<string, WorkflowRow | null>(async (ids) =>
      byKey(ids, await em.find(WorkflowEntity, { id: { $in: [...ids] } }), (w) => w.id),
    ),
    task: new DataLoader<string, TaskRow | null>(async (ids) =>
      byKey(ids, await em.find(TaskEntity, { id: { $in: [...ids] } }), (t) => t.id),
    ),
    tasksByWorkflow: new DataLoader<string, TaskRow[]>(async (ids) => {
      const rows = await em.find(TaskEntity, { workflow: { $in: [...ids] } }, { orderBy: { orderIndex: 'asc' } });
      const groups = new Map<string, TaskRow[]>(ids.map((id) => [id, []]));
      for (const t of rows) groups.get(t.workflow.id)?.push(t);
      return ids.map((id) => groups.get(id)!);
    }),
    agent: new DataLoader<string, AgentRow | null>(async (names) =>
      byKey(names, await em.find(AgentEntity, { name: { $in: [...names] } }), (a) => a.name),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
