import type { ReadyTask, TokenUsage } from '../types.ts';
import type { EnginePolicy, WorkflowRow } from './types.ts';

/** Today's policy: nothing is held, no budget stops a run. */
export const RUN_EVERYTHING: EnginePolicy = {
  holdBeforeRun: () => false,
  afterUsage: () => 'continue',
};

/** Tasks made runnable, in plan order, split into those that may run now and those the policy holds. */
export function admit(policy: EnginePolicy, wf: WorkflowRow, runnable: ReadyTask[], usage?: TokenUsage): { ready: ReadyTask[]; held: ReadyTask[] } {
  if (runnable.length === 0) return { ready: [], held: [] };
  if (usage && policy.afterUsage(wf, usage) === 'hold') return { ready: [], held: runnable };
  const ready: ReadyTask[] = [];
  const held: ReadyTask[] = [];
  for (const t of runnable) (policy.holdBeforeRun(t, wf) ? held : ready).push(t);
  return { ready, held };
}
