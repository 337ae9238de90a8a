import { validatePlan } from '../../src/planning/dag.ts';
import type { ValidatedPlan } from '../../src/planning/types.ts';

/** A plan of tasks `key:agent<-dep,dep`, e.g. ['a:dev', 'b:qa<-a']. */
export function plan(...lines: string[]): ValidatedPlan {
  const tasks = lines.map((l) => {
    const [head, deps] = l.split('<-');
    const [key, agent] = head!.split(':');
    return { key: key!, agent: agent!, description: `task ${key}`, dependsOn: deps ? deps.split(',') : [] };
  });
  return validatePlan(tasks, { agents: new Set(tasks.map((t) => t.agent)) });
}
