import type { DataTag } from '../agents/delimit.ts';
import { wrap } from '../agents/delimit.ts';

/** One orchestrator call's user message (its data, delimited with the prompt's nonce) and the rule added to its system prompt. */
export interface Ask {
  tags: readonly DataTag[];
  rule?: string;
  human: (nonce: string) => string;
}

/** What replanWorkflow gives the orchestrator. On a PLANNED workflow, only the request and the feedback. */
export interface ReplanContext {
  request: string;
  feedback: string | null;
  finished: Array<{ key: string; agent: string; description: string; output: string }>;
  /** The failed or rejected tasks, each with its error or reason. */
  failed: Array<{ key: string; agent: string; description: string; status: string; error: string }>;
  /** The keys of the tasks still to do (failed, rejected, skipped, cancelled, pending): replacements may reuse them. */
  unfinished: string[];
}

/** Marks the start of a replan's rule: the offline model answers a replan by it. */
export const REPLAN_MARKER = 'Replanning:';

/** The replan prompt. Pure: every outside text goes inside a delimited block (see delimit.ts). */
export function replanAsk(c: ReplanContext): Ask {
  const partial = c.finished.length > 0 || c.failed.length > 0 || c.unfinished.length > 0;
  const rule = partial
    ? [
        `${REPLAN_MARKER} part of this request has run. The tasks in <dependency> blocks are finished: never plan them again; new tasks may depend on them by their number.`,
        `The <failure> blocks say which task failed or was rejected, and why. Plan replacement tasks for the unfinished part only (unfinished task numbers you may reuse: ${c.unfinished.join(', ') || 'none'}).`,
        `Follow the <feedback> block if there is one. Write only the replacement tasks, in the plan format.`,
      ].join('\n')
    : `${REPLAN_MARKER} write the plan again, following the <feedback> block.`;
  return {
    tags: ['request', 'dependency', 'failure', 'feedback'],
    rule,
    human: (nonce) =>
      [
        wrap('request', nonce, c.request, {}, true),
        ...c.finished.map((t) => wrap('dependency', nonce, t.output, { key: t.key, agent: t.agent, description: t.description }, true)),
        ...c.failed.map((t) => wrap('failure', nonce, t.error, { key: t.key, agent: t.agent, status: t.status, description: t.description }, true)),
        ...(c.feedback ? [wrap('feedback', nonce, c.feedback, {}, true)] : []),
      ].join('\n\n'),
  };
}

/** The unfinished keys a replan prompt names (what the offline model replaces). Pure. */
export function unfinishedKeysOf(system: string): string[] | null {
  const m = /unfinished task numbers you may reuse: ([^)]*)\)/.exec(system);
  if (!m) return system.includes(REPLAN_MARKER) ? [] : null;
  return m[1] === 'none' ? [] : m[1].split(', ');
}
