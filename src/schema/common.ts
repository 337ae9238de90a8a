import { progress } from '../engine/core/decide.ts';
import { TASK_STATUSES, WORKFLOW_STATUSES } from '../engine/types.ts';
import { EVENT_KINDS } from '../events/types.ts';
import { builder } from './builder.ts';

export const WorkflowStatusEnum = builder.enumType('WorkflowStatus', {
  description: 'PLANNING → PLANNED → EXECUTING → COMPLETED | FAILED | CANCELLED.',
  values: WORKFLOW_STATUSES,
});

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  description: 'PENDING → READY → RUNNING → COMPLETED | FAILED | SKIPPED | CANCELLED.',
  values: TASK_STATUSES,
});

/** GraphQL enum values are conventionally upper case; the stored kinds are lower case. */
export const EventKindEnum = builder.enumType('EventKind', {
  values: Object.fromEntries(EVENT_KINDS.map((k) => [k.toUpperCase(), { value: k }])) as Record<
    Uppercase<(typeof EVENT_KINDS)[number]>,
    { value: (typeof EVENT_KINDS)[number] }
  >,
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
