import type { Knex } from '@mikro-orm/knex';
import { fromJson, num, toJson } from '../../db/sql.ts';
import { toStorableText, toStorableTextOrNull } from '../../text.ts';
import { decide, type Decision, type EnginePolicy, replan, type ReplanFrom, type ReplanRequest, type TaskReset, type WorkflowRow } from '../core/index.ts';
import type { Clock, DecidedBy } from '../types.ts';
import { resetTasks, taskRows } from './workflows.ts';
import type { Connections } from './sql.ts';
import { type Committed, transition } from './transition.ts';

type Metadata = Record<string, unknown> & { replan?: ReplanRequest };

/** The replan request stored with a workflow (in its metadata, beside the trace context), or null. */
export async function readReplan(t: Knex | Knex.Transaction, id: string): Promise<ReplanRequest | null> {
  const row = await t('workflows').where({ id }).first('metadata');
  return fromJson<Metadata | null>(row?.metadata)?.replan ?? null;
}

/** Stores the request, or (null) removes it; under the workflow's lock. */
export async function writeReplan(t: Knex.Transaction, id: string, request: ReplanRequest | null): Promise<void> {
  const row = await t('workflows').where({ id }).first('metadata');
  const { replan: _old, ...rest } = fromJson<Metadata | null>(row?.metadata) ?? {};
  await t('workflows')
    .where({ id })
    .update({ metadata: toJson(request ? { ...rest, replan: request } : rest) });
}

/**
 * A replan with autoStart of a FAILED or CANCELLED workflow: its retry, in the transaction that
 * applies the new plan (after its rows are written), so the workflow goes from PLANNING straight to
 * EXECUTING instead of showing its old end again in between.
 */
export async function retryReplanned(
  t: Knex.Transaction,
  wf: WorkflowRow,
  from: ReplanFrom,
  total: number,
  policy: EnginePolicy,
  at: number,
): Promise<Decision & { resets: TaskReset[] }> {
  const d = decide.retry({ ...wf, status: from, totalTasks: total }, await taskRows(t, wf.id), policy);
  await resetTasks(t, d.resets, at);
  return d;
}

/**
 * replanWorkflow as a planning job (issue #17: the orchestrator's call runs where tasks run): the
 * request is recorded, durably, by the mutation; the job reads it, plans and applies the plan
 * (through editPlan), or records its failure here.
 */
export function replanTransitions(knex: Knex, conns: Connections, clock: Clock) {
  const now = () => clock.now();
  return {
    /** PLANNED, FAILED or CANCELLED -> PLANNING, with the request stored (INVALID_STATE otherwise). */
    requestReplan(id: string, ask: { feedback: string | null; autoStart: boolean; by: DecidedBy }): Promise<Committed<ReplanRequest>> {
      const feedback = toStorableTextOrNull(ask.feedback);
      return transition(knex, conns, now, id, async (t, wf) => {
        const { plan_revision } = (await t('workflows').where({ id }).first('plan_revision')) as { plan_revision: unknown };
        const d = replan.requestReplan(wf, { id: clock.id(), feedback, autoStart: ask.autoStart, by: ask.by }, num(plan_revision));
        await writeReplan(t, id, d.request);
        return { value: d.request, events: d.events, patch: d.patch };
      });
    },

    /** A replan's failure: the workflow back in the status it was replanned from, with `replan_failed`. False if the request is no longer current. */
    replanFailed(id: string, requestId: string, code: string, error: string): Promise<Committed<boolean>> {
      const why = toStorableText(error);
      return transition(knex, conns, now, id, async (t, wf, at) => {
        const d = replan.replanFailed(wf, await readReplan(t, id), requestId, code, why, at);
        if (!d) return { value: false };
        await writeReplan(t, id, null);
        return { value: true, events: d.events, patch: d.patch };
      });
    },
  };
}
