import { progress } from '../engine/core/decide.ts';
import { APPROVAL_MODES, TASK_STATUSES, WORKFLOW_STATUSES } from '../engine/types.ts';
import { EVENT_KINDS } from '../events/types.ts';
import { builder } from './builder.ts';

export const WorkflowStatusEnum = builder.enumType('WorkflowStatus', {
  description: 'PLANNING → PLANNED → EXECUTING → COMPLETED | FAILED | CANCELLED; EXECUTING ⇄ PAUSED (pauseWorkflow, resumeWorkflow).',
  values: WORKFLOW_STATUSES,
});

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  description:
    'PENDING → READY → RUNNING → COMPLETED | FAILED | SKIPPED | CANCELLED. With approvals: AWAITING_APPROVAL (its dependencies are done; it waits ' +
    'to start), AWAITING_REVIEW (its output is written; its dependents wait), REJECTED.',
  values: TASK_STATUSES,
});

export const ApprovalModeEnum = builder.enumType('ApprovalMode', {
  description: 'When a task waits for a person: NONE, BEFORE_RUN (AWAITING_APPROVAL before it starts) or AFTER_RUN (AWAITING_REVIEW once its output is written).',
  values: APPROVAL_MODES,
});

/** GraphQL enum values are conventionally upper case; the stored kinds are lower case. */
export const EventKindEnum = builder.enumType('EventKind', {
  values: Object.fromEntries(EVENT_KINDS.map((k) => [k.toUpperCase(), { value: k }])) as Record<Uppercase<(typeof EVENT_KINDS)[number]>, { value: (typeof EVENT_KINDS)[number] }>,
});

export const Progress = builder.simpleObject('Progress', {
  description: 'Tasks completed out of the total; percent is 0–100.',
  fields: (t) => ({
    completed: t.int(),
    total: t.int(),
    percent: t.float(),
  }),
});

export const TokenUsage = builder.simpleObject('TokenUsage', {
  fields: (t) => ({
    input: t.int(),
    output: t.int(),
    total: t.int(),
  }),
});

/** A workflow's progress, computed as its progress events are (one definition, in the engine's core). */
export const progressOf = progress;

export const tokenUsageOf = (input: number, output: number) => ({ input, output, total: input + output });
