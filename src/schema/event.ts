import type { AnyWorkflowEvent, EventKind } from '../events/types.ts';
import { builder, DateTime, JSONScalar } from './builder.ts';
import { EventKindEnum } from './common.ts';
import { encodeGlobalId } from './ids.ts';

/** Distributes over K, so Rec<TaskKind> is a union of records (each assignable to AnyWorkflowEvent). */
type Rec<K extends EventKind> = Extract<AnyWorkflowEvent, { kind: K }>;
type TaskKind = Extract<EventKind, `task_${string}`>;

const TYPE_NAMES: Record<EventKind, string> = {
  created: 'CreatedEvent',
  planning: 'PlanningEvent',
  plan_ready: 'PlanReadyEvent',
  started: 'StartedEvent',
  progress: 'ProgressEvent',
  task_started: 'TaskStartedEvent',
  task_output: 'TaskOutputEvent',
  task_tool_call: 'TaskToolCallEvent',
  task_tool_result: 'TaskToolResultEvent',
  task_retrying: 'TaskRetryingEvent',
  task_completed: 'TaskCompletedEvent',
  task_failed: 'TaskFailedEvent',
  task_skipped: 'TaskSkippedEvent',
  task_cancelled: 'TaskCancelledEvent',
  task_awaiting_approval: 'TaskAwaitingApprovalEvent',
  task_awaiting_review: 'TaskAwaitingReviewEvent',
  task_approved: 'TaskApprovedEvent',
  task_changes_requested: 'TaskChangesRequestedEvent',
  task_rejected: 'TaskRejectedEvent',
  completed: 'CompletedEvent',
  failed: 'FailedEvent',
  cancelled: 'CancelledEvent',
  paused: 'PausedEvent',
  resumed: 'ResumedEvent',
  plan_edited: 'PlanEditedEvent',
  budget_warning: 'BudgetWarningEvent',
  budget_exceeded: 'BudgetExceededEvent',
  budget_set: 'BudgetSetEvent',
  replan_failed: 'ReplanFailedEvent',
};
const resolveType = (e: AnyWorkflowEvent) => TYPE_NAMES[e.kind];

export const WorkflowEvent = builder.interfaceRef<AnyWorkflowEvent>('WorkflowEvent').implement({
  description:
    'Something that happened to a workflow. seq numbers the stored events of one workflow 1, 2, 3, … without gaps; ' +
    "task_output chunks are live-only and carry the seq of their task's task_started. cursor only moves forward " +
    'along a stream: to resume, pass the last cursor received as `after`.',
  resolveType,
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    cursor: t.string({
      description:
        'Where this event sits in the stream: "<seq>" for a stored event, "<seq>.<n>~<epoch>" for the n-th output chunk ' +
        'after stored event <seq>. Opaque to clients: keep the last one received and pass it as `after` to resume.',
      resolve: (e) => e.cursor ?? String(e.seq),
    }),
    workflowId: t.id({ resolve: (e) => encodeGlobalId('Workflow', e.workflowId) }),
    kind: t.field({ type: EventKindEnum, resolve: (e) => e.kind }),
    at: t.field({ type: DateTime, resolve: (e) => e.at }),
  }),
});

export const TaskEvent = builder.interfaceRef<Rec<TaskKind>>('TaskEvent').implement({
  description: 'An event about one task.',
  interfaces: [WorkflowEvent],
  resolveType,
  fields: (t) => ({
    taskId: t.id({ resolve: (e) => encodeGlobalId('Task', e.payload.taskId) }),
    key: t.string({ resolve: (e) => e.payload.key }),
    agent: t.string({ description: 'The agent name.', resolve: (e) => e.payload.agent }),
  }),
});

const workflowEvent = <K extends Exclude<EventKind, TaskKind>>(kind: K, description: string) =>
  builder.objectRef<Rec<K>>(TYPE_NAMES[kind]).implement({ description, interfaces: [WorkflowEvent] });
const taskEvent = <K extends TaskKind>(kind: K, description: string) =>
  builder.objectRef<Rec<K>>(TYPE_NAMES[kind]).implement({ description, interfaces: [WorkflowEvent, TaskEvent] });

const PlannedTask = builder.simpleObject('PlannedTask', {
  fields: (t) => ({
    key: t.string(),
    agent: t.string(),
    description: t.string(),
    dependsOn: t.stringList(),
  }),
});

const Created = workflowEvent('created', 'The workflow was stored.');
builder.objectFields(Created, (t) => ({
  description: t.string({ resolve: (e) => e.payload.description }),
  channelId: t.string({ nullable: true, resolve: (e) => e.payload.channelId }),
}));
const Planning = workflowEvent('planning', 'The orchestrator is writing the plan (the workflow is PLANNING): a new one, or a replan (replanWorkflow).');
builder.objectField(Planning, 'orchestrator', (t) => t.string({ resolve: (e) => e.payload.orchestrator }));
const PlanReady = workflowEvent('plan_ready', 'The plan was parsed and validated; the workflow is PLANNED.');
builder.objectFields(PlanReady, (t) => ({
  plan: t.string({ nullable: true, resolve: (e) => e.payload.plan }),
  tasks: t.field({ type: [PlannedTask], resolve: (e) => e.payload.tasks }),
}));
const Started = workflowEvent('started', 'Execution began.');
builder.objectField(Started, 'total', (t) => t.int({ resolve: (e) => e.payload.total }));
const ProgressEv = workflowEvent('progress', 'A task completed.');
const UsageSnapshot = builder.simpleObject('UsageSnapshot', {
  description: "The workflow's usage when the event was stored.",
  fields: (t) => ({ inputTokens: t.int(), outputTokens: t.int(), totalTokens: t.int(), costUsd: t.float() }),
});
builder.objectFields(ProgressEv, (t) => ({
  completed: t.int({ resolve: (e) => e.payload.completed }),
  total: t.int({ resolve: (e) => e.payload.total }),
  percent: t.float({ resolve: (e) => e.payload.percent }),
  usage: t.field({ type: UsageSnapshot, nullable: true, description: 'Null on events stored before usage was recorded.', resolve: (e) => e.payload.usage ?? null }),
}));
const budgetLimit = (kind: 'budget_warning' | 'budget_exceeded', description: string) => {
  const ref = workflowEvent(kind, description);
  builder.objectFields(ref, (t) => ({
    limit: t.string({ description: 'maxTokens or maxCostUsd.', resolve: (e) => e.payload.limit }),
    max: t.float({ resolve: (e) => e.payload.max }),
    used: t.float({ resolve: (e) => e.payload.used }),
    usage: t.field({ type: UsageSnapshot, resolve: (e) => e.payload.usage }),
  }));
  return ref;
};
budgetLimit('budget_warning', 'The usage reached 80% of a limit (once per limit until setBudget changes it).');
const BudgetExceeded = budgetLimit('budget_exceeded', 'The usage crossed a limit: in-flight calls are aborted; STOP fails the run with BUDGET_EXCEEDED, PAUSE pauses it.');
builder.objectField(BudgetExceeded, 'action', (t) => t.string({ description: 'STOP or PAUSE.', resolve: (e) => (e as Rec<'budget_exceeded'>).payload.action }));
const BudgetSet = workflowEvent('budget_set', 'setBudget changed the limits.');
builder.objectFields(BudgetSet, (t) => ({
  maxTokens: t.int({ nullable: true, resolve: (e) => e.payload.budget?.maxTokens ?? null }),
  maxCostUsd: t.float({ nullable: true, resolve: (e) => e.payload.budget?.maxCostUsd ?? null }),
  onExceed: t.string({ nullable: true, resolve: (e) => e.payload.budget?.onExceed ?? null }),
}));
const Completed = workflowEvent('completed', 'Every task completed.');
builder.objectField(Completed, 'results', (t) => t.field({ type: JSONScalar, nullable: true, resolve: (e) => e.payload.results }));
const Failed = workflowEvent('failed', 'A task exhausted its retries; the independent branches finished first.');
builder.objectField(Failed, 'error', (t) => t.string({ resolve: (e) => e.payload.error }));
const Cancelled = workflowEvent('cancelled', 'The workflow was cancelled; unfinished tasks are CANCELLED.');
builder.objectField(Cancelled, 'reason', (t) => t.string({ nullable: true, resolve: (e) => e.payload.reason }));

const TaskStarted = taskEvent('task_started', 'A task began an attempt.');
builder.objectField(TaskStarted, 'attempt', (t) => t.int({ resolve: (e) => e.payload.attempt }));
const TaskOutput = taskEvent('task_output', 'A chunk of streamed agent text (live only, never replayed).');
builder.objectFields(TaskOutput, (t) => ({
  index: t.int({ description: 'Chunk number within the attempt, from 0.', resolve: (e) => e.payload.index }),
  text: t.string({ resolve: (e) => e.payload.text }),
}));
const TaskRetrying = taskEvent('task_retrying', 'An attempt failed; the task runs again after delayMs.');
builder.objectFields(TaskRetrying, (t) => ({
  attempt: t.int({ description: 'The attempt that failed.', resolve: (e) => e.payload.attempt }),
  error: t.string({ resolve: (e) => e.payload.error }),
  delayMs: t.int({ resolve: (e) => e.payload.delayMs }),
}));
const TaskCompleted = taskEvent('task_completed', 'A task finished with its output.');
builder.objectFields(TaskCompleted, (t) => ({
  output: t.string({ resolve: (e) => e.payload.output }),
  durationMs: t.int({ resolve: (e) => e.payload.durationMs }),
}));
const TaskFailed = taskEvent('task_failed', 'A task exhausted its retries.');
builder.objectField(TaskFailed, 'error', (t) => t.string({ resolve: (e) => e.payload.error }));
const TaskSkipped = taskEvent('task_skipped', 'A task will not run because a dependency failed.');
builder.objectField(TaskSkipped, 'reason', (t) => t.string({ resolve: (e) => e.payload.reason }));
taskEvent('task_cancelled', 'A task was cancelled before it finished.');

const TaskToolCall = taskEvent('task_tool_call', "The task's model asked for a tool call (arguments: the model's JSON, bounded).");
builder.objectFields(TaskToolCall, (t) => ({
  tool: t.string({ description: '`server/tool`, e.g. workspace/write_file.', resolve: (e) => e.payload.tool }),
  arguments: t.string({ resolve: (e) => e.payload.arguments }),
  callId: t.string({ resolve: (e) => e.payload.callId }),
}));
const TaskToolResult = taskEvent('task_tool_result', 'The result of a tool call (ok=false: an error the model was told about), cut to a bounded preview.');
builder.objectFields(TaskToolResult, (t) => ({
  callId: t.string({ resolve: (e) => e.payload.callId }),
  ok: t.boolean({ resolve: (e) => e.payload.ok }),
  preview: t.string({ resolve: (e) => e.payload.preview }),
}));
taskEvent('task_awaiting_approval', 'A task whose dependencies are done waits for approveTask (or rejectTask) to start.');
const TaskAwaitingReview = taskEvent('task_awaiting_review', 'A task wrote its output, which waits for approveTask, requestChanges or rejectTask; its dependents wait.');
builder.objectField(TaskAwaitingReview, 'output', (t) => t.string({ resolve: (e) => e.payload.output }));

const DecidedBy = builder.simpleObject('DecidedBy', {
  description: 'Who took a decision: the API key (both null when Baton runs with AUTH=off).',
  fields: (t) => ({
    keyId: t.string({ nullable: true }),
    keyName: t.string({ nullable: true }),
  }),
});
const decision = (kind: 'task_approved' | 'task_changes_requested' | 'task_rejected', description: string, comment: string) => {
  const ref = taskEvent(kind, description);
  builder.objectFields(ref, (t) => ({
    by: t.field({ type: DecidedBy, resolve: (e) => e.payload.by }),
    comment: t.string({ nullable: true, description: comment, resolve: (e) => e.payload.comment }),
  }));
};
decision('task_approved', 'A person approved the task: it runs (it was AWAITING_APPROVAL) or completes (it was AWAITING_REVIEW).', 'The comment given, if any.');
decision('task_changes_requested', 'A person asked for changes: the task runs again with its previous output and the feedback.', 'The feedback.');
decision('task_rejected', 'A person rejected the task: its dependents are SKIPPED and the workflow ends FAILED.', 'The reason.');
for (const kind of ['paused', 'resumed'] as const) {
  const ref = workflowEvent(kind, kind === 'paused' ? 'The workflow was paused: no task starts until it is resumed.' : 'The workflow was resumed.');
  builder.objectField(ref, 'by', (t) => t.field({ type: DecidedBy, resolve: (e) => e.payload.by }));
}
const PlannedTaskWithApproval = builder.simpleObject('EditedTask', {
  fields: (t) => ({ key: t.string(), agent: t.string(), description: t.string(), dependsOn: t.stringList(), approval: t.string() }),
});
const PlanEdited = workflowEvent('plan_edited', 'The plan was edited (editPlan): the full task list of the new revision.');
builder.objectFields(PlanEdited, (t) => ({
  revision: t.int({ resolve: (e) => e.payload.revision }),
  by: t.field({ type: DecidedBy, resolve: (e) => e.payload.by }),
  tasks: t.field({ type: [PlannedTaskWithApproval], resolve: (e) => e.payload.tasks }),
}));

// A replan's request, recorded by its planning event (null on a new workflow's).
builder.objectFields(Planning, (t) => ({
  feedback: t.string({ nullable: true, description: "replanWorkflow's feedback.", resolve: (e) => e.payload.replan?.feedback ?? null }),
  by: t.field({ type: DecidedBy, nullable: true, description: 'Who asked for the replan.', resolve: (e) => e.payload.replan?.by ?? null }),
  replannedFrom: t.string({
    nullable: true,
    description: 'The status the workflow was replanned from (PLANNED, FAILED or CANCELLED).',
    resolve: (e) => e.payload.replan?.from ?? null,
  }),
}));
const ReplanFailed = workflowEvent(
  'replan_failed',
  'A replan failed (the orchestrator could not be reached, or its plan was invalid): the workflow is back in `status`, with its plan and tasks as before.',
);
builder.objectFields(ReplanFailed, (t) => ({
  code: t.string({ description: "The error's code, e.g. PLANNING_FAILED or PLAN_INVALID.", resolve: (e) => e.payload.code }),
  error: t.string({ resolve: (e) => e.payload.error }),
  status: t.string({ description: 'The status the workflow is back in.', resolve: (e) => e.payload.status }),
}));
