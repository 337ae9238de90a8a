import { InvalidStateError } from '../../errors.ts';
import type { DecidedBy, WorkflowStatus } from '../types.ts';
import { draft, type EventDraft, type WorkflowPatch, type WorkflowRow } from './types.ts';

/** The statuses a replan starts from, and the one it returns to when it is applied or fails. */
export type ReplanFrom = 'PLANNED' | 'FAILED' | 'CANCELLED';
const REPLANNABLE: readonly WorkflowStatus[] = ['PLANNED', 'FAILED', 'CANCELLED'];

/**
 * replanWorkflow's request, stored with the workflow while it is PLANNING again: the planning job
 * (wherever tasks run) reads it, plans the unfinished part and applies it. `id` tells this request
 * from an earlier one (a job of a cancelled replan must not apply its plan to a later one).
 */
export interface ReplanRequest {
  id: string;
  from: ReplanFrom;
  feedback: string | null;
  autoStart: boolean;
  by: DecidedBy;
  /** The plan revision the request read: the plan is applied to it (nothing else edits a PLANNING workflow). */
  revision: number;
}

/** replanWorkflow: PLANNED, FAILED or CANCELLED -> PLANNING, the request recorded by its `planning` event. */
export function requestReplan(
  wf: WorkflowRow,
  ask: Omit<ReplanRequest, 'from' | 'revision'>,
  revision: number,
): { request: ReplanRequest; events: EventDraft[]; patch: WorkflowPatch } {
  if (!REPLANNABLE.includes(wf.status)) {
    throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only a PLANNED, FAILED or CANCELLED workflow can be replanned`, { status: wf.status });
  }
  const request: ReplanRequest = { ...ask, from: wf.status as ReplanFrom, revision };
  const by = { keyId: ask.by.keyId, keyName: ask.by.keyName };
  return { request, events: [draft('planning', { orchestrator: 'orchestrator', replan: { feedback: ask.feedback, by, from: request.from } })], patch: { status: 'PLANNING' } };
}

/** Whether `pending` (the request stored with the workflow) is still the one `id` names: the workflow is PLANNING for it. */
export const replanCurrent = (wf: WorkflowRow, pending: ReplanRequest | null, id: string) => wf.status === 'PLANNING' && pending?.id === id;

/**
 * A replan that failed (the orchestrator's call, or its plan invalid) ends the workflow FAILED, as a
 * failed planning does (replanning reuses `planning` / `plan_ready` / `failed`), with its plan and
 * tasks as they were: it can be replanned again or retried. `replan_failed` comes first with the
 * error's code and the status it was replanned from. Nothing when the request is no longer current
 * (cancelled, or replaced by a later replan).
 */
export function replanFailed(
  wf: WorkflowRow,
  pending: ReplanRequest | null,
  id: string,
  code: string,
  error: string,
  now: number,
): { events: EventDraft[]; patch: WorkflowPatch } | null {
  if (!replanCurrent(wf, pending, id)) return null;
  const message = `${code}: ${error}`;
  return {
    events: [draft('replan_failed', { code, error, status: pending!.from }), draft('failed', { error: message })],
    patch: { status: 'FAILED', error: message, completedAt: now },
  };
}
