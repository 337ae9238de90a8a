/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** When a task waits for a person: NONE, BEFORE_RUN (AWAITING_APPROVAL before it starts) or AFTER_RUN (AWAITING_REVIEW once its output is written). */
export type ApprovalMode = 'AFTER_RUN' | 'BEFORE_RUN' | 'NONE';

/** What a workflow does when its usage crosses a limit: STOP (in-flight calls aborted, unfinished tasks CANCELLED, FAILED with BUDGET_EXCEEDED) or PAUSE. */
export type BudgetAction = 'PAUSE' | 'STOP';

/** Limits on the tokens (input + output) and the cost in USD of every model call of a workflow, its planning included. */
export type BudgetInput = {
  maxCostUsd?: number | null | undefined;
  maxTokens?: number | null | undefined;
  onExceed?: BudgetAction | null | undefined;
};

/** The full desired task list, and the planRevision it was read at. */
export type EditPlanInput = {
  revision: number;
  tasks: Array<TaskInput>;
};

export type EventKind =
  | 'BUDGET_EXCEEDED'
  | 'BUDGET_SET'
  | 'BUDGET_WARNING'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'CREATED'
  | 'FAILED'
  | 'PAUSED'
  | 'PLANNING'
  | 'PLAN_EDITED'
  | 'PLAN_READY'
  | 'PROGRESS'
  | 'REPLAN_FAILED'
  | 'RESUMED'
  | 'STARTED'
  | 'TASK_APPROVED'
  | 'TASK_AWAITING_APPROVAL'
  | 'TASK_AWAITING_REVIEW'
  | 'TASK_CANCELLED'
  | 'TASK_CHANGES_REQUESTED'
  | 'TASK_COMPLETED'
  | 'TASK_FAILED'
  | 'TASK_OUTPUT'
  | 'TASK_REJECTED'
  | 'TASK_RETRYING'
  | 'TASK_SKIPPED'
  | 'TASK_STARTED'
  | 'TASK_TOOL_CALL'
  | 'TASK_TOOL_RESULT';

export type PlanWorkflowInput = {
  /** Applied to every planned task. */
  approval?: ApprovalMode | null | undefined;
  /** Start executing as soon as the plan is ready. */
  autoStart?: boolean | null | undefined;
  /** Limits on its model calls (the planning call included); absent: DEFAULT_BUDGET_TOKENS / DEFAULT_BUDGET_USD; both limits null: none. */
  budget?: BudgetInput | null | undefined;
  channelId?: string | null | undefined;
  /** Up to 200 characters chosen by the client (e.g. a UUID). Sent again within 24 hours by the same tenant, the answer is the workflow created the first time, never a second one (also for concurrent requests). One key space for planWorkflow and createWorkflow; the rest of the input is not compared. */
  idempotencyKey?: string | null | undefined;
  /** What to build, in natural language; the orchestrator plans it. */
  request: string;
};

/** VIEWER: queries and subscriptions. OPERATOR: also plan, create, start, cancel, retry and delete workflows. ADMIN: also agents and API keys. */
export type Role = 'ADMIN' | 'OPERATOR' | 'VIEWER';

export type TaskInput = {
  /** An active agent: "backend" or "@backend". */
  agent: string;
  /** Whether the task waits for a person before it runs or after. */
  approval?: ApprovalMode | null | undefined;
  /** Keys of tasks that must complete first. */
  dependsOn?: Array<string> | null | undefined;
  description: string;
  /** Unique within the workflow, e.g. "1". */
  key: string;
};

/** PENDING → READY → RUNNING → COMPLETED | FAILED | SKIPPED | CANCELLED. With approvals: AWAITING_APPROVAL (its dependencies are done; it waits to start), AWAITING_REVIEW (its output is written; its dependents wait), REJECTED. */
export type TaskStatus = 'AWAITING_APPROVAL' | 'AWAITING_REVIEW' | 'CANCELLED' | 'COMPLETED' | 'FAILED' | 'PENDING' | 'READY' | 'REJECTED' | 'RUNNING' | 'SKIPPED';

/** PLANNING → PLANNED → EXECUTING → COMPLETED | FAILED | CANCELLED; EXECUTING ⇄ PAUSED (pauseWorkflow, resumeWorkflow). */
export type WorkflowStatus = 'CANCELLED' | 'COMPLETED' | 'EXECUTING' | 'FAILED' | 'PAUSED' | 'PLANNED' | 'PLANNING';

export type MeQueryVariables = Exact<{ [key: string]: never }>;

export type MeQuery = { me: { role: Role; tenant: string; keyName: string | null } };

export type DashWorkflowFragment = {
  id: string;
  description: string;
  status: WorkflowStatus;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  progress: { completed: number; total: number; percent: number };
};

export type WorkflowsQueryVariables = Exact<{
  status?: WorkflowStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;

export type WorkflowsQuery = {
  workflows: {
    edges: Array<{
      cursor: string;
      node: {
        id: string;
        description: string;
        status: WorkflowStatus;
        createdAt: string;
        updatedAt: string;
        startedAt: string | null;
        completedAt: string | null;
        progress: { completed: number; total: number; percent: number };
      };
    }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
};

export type DashUsageFragment = { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; estimated: boolean; priced: boolean; calls: number };

export type DashBudgetFragment = { maxTokens: number | null; maxCostUsd: number | null; onExceed: BudgetAction };

export type DashUsageSnapshotFragment = { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number };

export type DashTaskFragment = {
  id: string;
  key: string;
  description: string;
  status: TaskStatus;
  attempts: number;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  output: string | null;
  error: string | null;
  approval: ApprovalMode;
  agent: { name: string };
  dependsOn: Array<{ key: string }>;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; estimated: boolean; priced: boolean; calls: number };
  history: Array<{ attempt: number; startedAt: string | null; completedAt: string | null; output: string | null; error: string | null }>;
};

export type WorkflowDetailQueryVariables = Exact<{
  id: string;
}>;

export type WorkflowDetailQuery = {
  workflow: {
    error: string | null;
    plan: string | null;
    planRevision: number;
    id: string;
    description: string;
    status: WorkflowStatus;
    createdAt: string;
    updatedAt: string;
    startedAt: string | null;
    completedAt: string | null;
    usage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; estimated: boolean; priced: boolean; calls: number };
    budget: { maxTokens: number | null; maxCostUsd: number | null; onExceed: BudgetAction } | null;
    tasks: Array<{
      id: string;
      key: string;
      description: string;
      status: TaskStatus;
      attempts: number;
      startedAt: string | null;
      completedAt: string | null;
      durationMs: number | null;
      output: string | null;
      error: string | null;
      approval: ApprovalMode;
      agent: { name: string };
      dependsOn: Array<{ key: string }>;
      usage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; estimated: boolean; priced: boolean; calls: number };
      history: Array<{ attempt: number; startedAt: string | null; completedAt: string | null; output: string | null; error: string | null }>;
    }>;
    progress: { completed: number; total: number; percent: number };
  } | null;
};

export type WorkflowUsageQueryVariables = Exact<{
  id: string;
}>;

export type WorkflowUsageQuery = {
  workflow: {
    id: string;
    usage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; estimated: boolean; priced: boolean; calls: number };
    budget: { maxTokens: number | null; maxCostUsd: number | null; onExceed: BudgetAction } | null;
    tasks: Array<{ key: string; usage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; estimated: boolean; priced: boolean; calls: number } }>;
  } | null;
};

export type SetBudgetMutationVariables = Exact<{
  id: string;
  budget: BudgetInput;
}>;

export type SetBudgetMutation = {
  setBudget: { id: string; status: WorkflowStatus; budget: { maxTokens: number | null; maxCostUsd: number | null; onExceed: BudgetAction } | null };
};

export type PlanWorkflowMutationVariables = Exact<{
  input: PlanWorkflowInput;
}>;

export type PlanWorkflowMutation = { planWorkflow: { id: string; status: WorkflowStatus } };

export type StartWorkflowMutationVariables = Exact<{
  id: string;
}>;

export type StartWorkflowMutation = { startWorkflow: { id: string; status: WorkflowStatus } };

export type CancelWorkflowMutationVariables = Exact<{
  id: string;
}>;

export type CancelWorkflowMutation = { cancelWorkflow: { id: string; status: WorkflowStatus } };

export type RetryWorkflowMutationVariables = Exact<{
  id: string;
}>;

export type RetryWorkflowMutation = { retryWorkflow: { id: string; status: WorkflowStatus } };

export type PauseWorkflowMutationVariables = Exact<{
  id: string;
}>;

export type PauseWorkflowMutation = { pauseWorkflow: { id: string; status: WorkflowStatus } };

export type ResumeWorkflowMutationVariables = Exact<{
  id: string;
}>;

export type ResumeWorkflowMutation = { resumeWorkflow: { id: string; status: WorkflowStatus } };

export type ReplanWorkflowMutationVariables = Exact<{
  id: string;
  feedback?: string | null | undefined;
  autoStart?: boolean | null | undefined;
}>;

export type ReplanWorkflowMutation = { replanWorkflow: { id: string; status: WorkflowStatus } };

export type RerunTaskMutationVariables = Exact<{
  id: string;
  description?: string | null | undefined;
}>;

export type RerunTaskMutation = { rerunTask: { id: string; status: WorkflowStatus } };

export type EditPlanMutationVariables = Exact<{
  id: string;
  input: EditPlanInput;
}>;

export type EditPlanMutation = { editPlan: { id: string; status: WorkflowStatus; planRevision: number } };

export type ApproveTaskMutationVariables = Exact<{
  id: string;
  comment?: string | null | undefined;
}>;

export type ApproveTaskMutation = { approveTask: { id: string; status: TaskStatus } };

export type RequestChangesMutationVariables = Exact<{
  id: string;
  feedback: string;
}>;

export type RequestChangesMutation = { requestChanges: { id: string; status: TaskStatus } };

export type RejectTaskMutationVariables = Exact<{
  id: string;
  reason: string;
}>;

export type RejectTaskMutation = { rejectTask: { id: string; status: TaskStatus } };

export type WorkflowArtifactsQueryVariables = Exact<{
  id: string;
}>;

export type WorkflowArtifactsQuery = { workflow: { id: string; artifacts: Array<{ path: string; size: number; updatedAt: string; writtenBy: { key: string } | null }> } | null };

export type ArtifactContentQueryVariables = Exact<{
  workflowId: string;
  path: string;
}>;

export type ArtifactContentQuery = { artifact: { path: string; content: string } | null };

export type WorkflowUpdatedSubscriptionVariables = Exact<{
  status?: WorkflowStatus | null | undefined;
}>;

export type WorkflowUpdatedSubscription = {
  workflowUpdated: {
    id: string;
    description: string;
    status: WorkflowStatus;
    createdAt: string;
    updatedAt: string;
    startedAt: string | null;
    completedAt: string | null;
    progress: { completed: number; total: number; percent: number };
  };
};

export type WorkflowEventsSubscriptionVariables = Exact<{
  workflowId: string;
  after?: string | null | undefined;
}>;

export type WorkflowEventsSubscription = {
  workflowEvents:
    | {
        __typename: 'BudgetExceededEvent';
        limit: string;
        max: number;
        used: number;
        action: string;
        seq: number;
        cursor: string;
        kind: EventKind;
        at: string;
        exceededUsage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number };
      }
    | { __typename: 'BudgetSetEvent'; maxTokens: number | null; maxCostUsd: number | null; onExceed: string | null; seq: number; cursor: string; kind: EventKind; at: string }
    | {
        __typename: 'BudgetWarningEvent';
        limit: string;
        max: number;
        used: number;
        seq: number;
        cursor: string;
        kind: EventKind;
        at: string;
        warningUsage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number };
      }
    | { __typename: 'CancelledEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'CompletedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'CreatedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'FailedEvent'; error: string; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'PausedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'PlanEditedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'PlanReadyEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'PlanningEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | {
        __typename: 'ProgressEvent';
        completed: number;
        total: number;
        percent: number;
        seq: number;
        cursor: string;
        kind: EventKind;
        at: string;
        progressUsage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number } | null;
      }
    | { __typename: 'ReplanFailedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'ResumedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'StartedEvent'; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskApprovedEvent'; taskId: string; key: string; agent: string; comment: string | null; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskAwaitingApprovalEvent'; taskId: string; key: string; agent: string; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskAwaitingReviewEvent'; taskId: string; key: string; agent: string; seq: number; cursor: string; kind: EventKind; at: string; reviewOutput: string }
    | { __typename: 'TaskCancelledEvent'; taskId: string; key: string; agent: string; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskChangesRequestedEvent'; taskId: string; key: string; agent: string; comment: string | null; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskCompletedEvent'; taskId: string; key: string; agent: string; output: string; durationMs: number; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskFailedEvent'; taskId: string; key: string; agent: string; seq: number; cursor: string; kind: EventKind; at: string; taskError: string }
    | { __typename: 'TaskOutputEvent'; taskId: string; key: string; agent: string; index: number; text: string; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskRejectedEvent'; taskId: string; key: string; agent: string; comment: string | null; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskRetryingEvent'; taskId: string; key: string; agent: string; attempt: number; seq: number; cursor: string; kind: EventKind; at: string; retryError: string }
    | { __typename: 'TaskSkippedEvent'; taskId: string; key: string; agent: string; reason: string; seq: number; cursor: string; kind: EventKind; at: string }
    | { __typename: 'TaskStartedEvent'; taskId: string; key: string; agent: string; attempt: number; seq: number; cursor: string; kind: EventKind; at: string }
    | {
        __typename: 'TaskToolCallEvent';
        taskId: string;
        key: string;
        agent: string;
        callId: string;
        tool: string;
        arguments: string;
        seq: number;
        cursor: string;
        kind: EventKind;
        at: string;
      }
    | {
        __typename: 'TaskToolResultEvent';
        taskId: string;
        key: string;
        agent: string;
        callId: string;
        ok: boolean;
        preview: string;
        seq: number;
        cursor: string;
        kind: EventKind;
        at: string;
      };
};

export const DashWorkflowFragmentDoc = {
  kind: 'Document',
  definitions: [
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashWorkflow' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Workflow' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'description' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'updatedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'progress' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                { kind: 'Field', name: { kind: 'Name', value: 'percent' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashWorkflowFragment, unknown>;
export const DashBudgetFragmentDoc = {
  kind: 'Document',
  definitions: [
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashBudget' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Budget' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'maxTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'maxCostUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'onExceed' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashBudgetFragment, unknown>;
export const DashUsageSnapshotFragmentDoc = {
  kind: 'Document',
  definitions: [
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashUsageSnapshot' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'UsageSnapshot' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'inputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'outputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'totalTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'costUsd' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashUsageSnapshotFragment, unknown>;
export const DashUsageFragmentDoc = {
  kind: 'Document',
  definitions: [
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashUsage' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Usage' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'inputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'outputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'totalTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'costUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'estimated' } },
          { kind: 'Field', name: { kind: 'Name', value: 'priced' } },
          { kind: 'Field', name: { kind: 'Name', value: 'calls' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashUsageFragment, unknown>;
export const DashTaskFragmentDoc = {
  kind: 'Document',
  definitions: [
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashTask' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Task' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'key' } },
          { kind: 'Field', name: { kind: 'Name', value: 'description' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'attempts' } },
          { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'durationMs' } },
          { kind: 'Field', name: { kind: 'Name', value: 'output' } },
          { kind: 'Field', name: { kind: 'Name', value: 'error' } },
          { kind: 'Field', name: { kind: 'Name', value: 'agent' }, selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'name' } }] } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'dependsOn' },
            selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'key' } }] },
          },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'usage' },
            selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsage' } }] },
          },
          { kind: 'Field', name: { kind: 'Name', value: 'approval' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'history' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'attempt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'output' } },
                { kind: 'Field', name: { kind: 'Name', value: 'error' } },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashUsage' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Usage' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'inputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'outputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'totalTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'costUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'estimated' } },
          { kind: 'Field', name: { kind: 'Name', value: 'priced' } },
          { kind: 'Field', name: { kind: 'Name', value: 'calls' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<DashTaskFragment, unknown>;
export const MeDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'Me' },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'me' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'role' } },
                { kind: 'Field', name: { kind: 'Name', value: 'tenant' } },
                { kind: 'Field', name: { kind: 'Name', value: 'keyName' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const WorkflowsDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'Workflows' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'status' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'WorkflowStatus' } },
        },
        { kind: 'VariableDefinition', variable: { kind: 'Variable', name: { kind: 'Name', value: 'first' } }, type: { kind: 'NamedType', name: { kind: 'Name', value: 'Int' } } },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'after' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
        { kind: 'VariableDefinition', variable: { kind: 'Variable', name: { kind: 'Name', value: 'last' } }, type: { kind: 'NamedType', name: { kind: 'Name', value: 'Int' } } },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'before' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'workflows' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'status' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'status' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'first' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'first' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'after' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'after' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'last' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'last' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'before' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'before' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'edges' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'cursor' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'node' },
                        selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashWorkflow' } }] },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'pageInfo' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'hasNextPage' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'hasPreviousPage' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'startCursor' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'endCursor' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashWorkflow' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Workflow' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'description' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'updatedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'progress' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                { kind: 'Field', name: { kind: 'Name', value: 'percent' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<WorkflowsQuery, WorkflowsQueryVariables>;
export const WorkflowDetailDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'WorkflowDetail' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'workflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashWorkflow' } },
                { kind: 'Field', name: { kind: 'Name', value: 'error' } },
                { kind: 'Field', name: { kind: 'Name', value: 'plan' } },
                { kind: 'Field', name: { kind: 'Name', value: 'planRevision' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'usage' },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsage' } }] },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'budget' },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashBudget' } }] },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'tasks' },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashTask' } }] },
                },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashUsage' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Usage' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'inputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'outputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'totalTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'costUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'estimated' } },
          { kind: 'Field', name: { kind: 'Name', value: 'priced' } },
          { kind: 'Field', name: { kind: 'Name', value: 'calls' } },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashWorkflow' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Workflow' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'description' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'updatedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'progress' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                { kind: 'Field', name: { kind: 'Name', value: 'percent' } },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashBudget' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Budget' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'maxTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'maxCostUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'onExceed' } },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashTask' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Task' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'key' } },
          { kind: 'Field', name: { kind: 'Name', value: 'description' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'attempts' } },
          { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'durationMs' } },
          { kind: 'Field', name: { kind: 'Name', value: 'output' } },
          { kind: 'Field', name: { kind: 'Name', value: 'error' } },
          { kind: 'Field', name: { kind: 'Name', value: 'agent' }, selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'name' } }] } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'dependsOn' },
            selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'key' } }] },
          },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'usage' },
            selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsage' } }] },
          },
          { kind: 'Field', name: { kind: 'Name', value: 'approval' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'history' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'attempt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
                { kind: 'Field', name: { kind: 'Name', value: 'output' } },
                { kind: 'Field', name: { kind: 'Name', value: 'error' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<WorkflowDetailQuery, WorkflowDetailQueryVariables>;
export const WorkflowUsageDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'WorkflowUsage' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'workflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'usage' },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsage' } }] },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'budget' },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashBudget' } }] },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'tasks' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'key' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'usage' },
                        selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsage' } }] },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashUsage' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Usage' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'inputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'outputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'totalTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'costUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'estimated' } },
          { kind: 'Field', name: { kind: 'Name', value: 'priced' } },
          { kind: 'Field', name: { kind: 'Name', value: 'calls' } },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashBudget' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Budget' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'maxTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'maxCostUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'onExceed' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<WorkflowUsageQuery, WorkflowUsageQueryVariables>;
export const SetBudgetDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'SetBudget' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'budget' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'BudgetInput' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'setBudget' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'budget' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'budget' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'budget' },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashBudget' } }] },
                },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashBudget' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Budget' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'maxTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'maxCostUsd' } },
          { kind: 'Field', name: { kind: 'Name', value: 'onExceed' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<SetBudgetMutation, SetBudgetMutationVariables>;
export const PlanWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'PlanWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'PlanWorkflowInput' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'planWorkflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'input' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'input' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<PlanWorkflowMutation, PlanWorkflowMutationVariables>;
export const StartWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'StartWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'startWorkflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<StartWorkflowMutation, StartWorkflowMutationVariables>;
export const CancelWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'CancelWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'cancelWorkflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<CancelWorkflowMutation, CancelWorkflowMutationVariables>;
export const RetryWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'RetryWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'retryWorkflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<RetryWorkflowMutation, RetryWorkflowMutationVariables>;
export const PauseWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'PauseWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'pauseWorkflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<PauseWorkflowMutation, PauseWorkflowMutationVariables>;
export const ResumeWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'ResumeWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'resumeWorkflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ResumeWorkflowMutation, ResumeWorkflowMutationVariables>;
export const ReplanWorkflowDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'ReplanWorkflow' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'feedback' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'autoStart' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'Boolean' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'replanWorkflow' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'feedback' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'feedback' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'autoStart' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'autoStart' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ReplanWorkflowMutation, ReplanWorkflowMutationVariables>;
export const RerunTaskDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'RerunTask' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'description' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'rerunTask' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'description' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'description' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<RerunTaskMutation, RerunTaskMutationVariables>;
export const EditPlanDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'EditPlan' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'EditPlanInput' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'editPlan' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'input' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'input' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'planRevision' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<EditPlanMutation, EditPlanMutationVariables>;
export const ApproveTaskDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'ApproveTask' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'comment' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'approveTask' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'comment' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'comment' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ApproveTaskMutation, ApproveTaskMutationVariables>;
export const RequestChangesDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'RequestChanges' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'feedback' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'requestChanges' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'feedback' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'feedback' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<RequestChangesMutation, RequestChangesMutationVariables>;
export const RejectTaskDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'RejectTask' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'reason' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'rejectTask' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'reason' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'reason' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<RejectTaskMutation, RejectTaskMutationVariables>;
export const WorkflowArtifactsDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'WorkflowArtifacts' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'workflow' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'artifacts' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'path' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'size' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'updatedAt' } },
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'writtenBy' },
                        selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'key' } }] },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<WorkflowArtifactsQuery, WorkflowArtifactsQueryVariables>;
export const ArtifactContentDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'ArtifactContent' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'workflowId' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'path' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'artifact' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'workflowId' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'workflowId' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'path' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'path' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'path' } },
                { kind: 'Field', name: { kind: 'Name', value: 'content' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<ArtifactContentQuery, ArtifactContentQueryVariables>;
export const WorkflowUpdatedDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'WorkflowUpdated' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'status' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'WorkflowStatus' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'workflowUpdated' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'status' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'status' } } }],
            selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashWorkflow' } }] },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashWorkflow' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'Workflow' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'id' } },
          { kind: 'Field', name: { kind: 'Name', value: 'description' } },
          { kind: 'Field', name: { kind: 'Name', value: 'status' } },
          { kind: 'Field', name: { kind: 'Name', value: 'createdAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'updatedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'startedAt' } },
          { kind: 'Field', name: { kind: 'Name', value: 'completedAt' } },
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'progress' },
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                { kind: 'Field', name: { kind: 'Name', value: 'percent' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<WorkflowUpdatedSubscription, WorkflowUpdatedSubscriptionVariables>;
export const WorkflowEventsDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'WorkflowEvents' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'workflowId' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'after' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'String' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'workflowEvents' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'workflowId' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'workflowId' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'after' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'after' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: '__typename' } },
                { kind: 'Field', name: { kind: 'Name', value: 'seq' } },
                { kind: 'Field', name: { kind: 'Name', value: 'cursor' } },
                { kind: 'Field', name: { kind: 'Name', value: 'kind' } },
                { kind: 'Field', name: { kind: 'Name', value: 'at' } },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'taskId' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'key' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'agent' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskStartedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'attempt' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskCompletedEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'output' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'durationMs' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskFailedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', alias: { kind: 'Name', value: 'taskError' }, name: { kind: 'Name', value: 'error' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskRetryingEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', alias: { kind: 'Name', value: 'retryError' }, name: { kind: 'Name', value: 'error' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'attempt' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskSkippedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'reason' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskOutputEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'index' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'text' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'ProgressEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'percent' } },
                      {
                        kind: 'Field',
                        alias: { kind: 'Name', value: 'progressUsage' },
                        name: { kind: 'Name', value: 'usage' },
                        selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsageSnapshot' } }] },
                      },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'BudgetWarningEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'limit' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'max' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'used' } },
                      {
                        kind: 'Field',
                        alias: { kind: 'Name', value: 'warningUsage' },
                        name: { kind: 'Name', value: 'usage' },
                        selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsageSnapshot' } }] },
                      },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'BudgetExceededEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'limit' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'max' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'used' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'action' } },
                      {
                        kind: 'Field',
                        alias: { kind: 'Name', value: 'exceededUsage' },
                        name: { kind: 'Name', value: 'usage' },
                        selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'FragmentSpread', name: { kind: 'Name', value: 'DashUsageSnapshot' } }] },
                      },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'BudgetSetEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'maxTokens' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'maxCostUsd' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'onExceed' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'FailedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'error' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskAwaitingReviewEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', alias: { kind: 'Name', value: 'reviewOutput' }, name: { kind: 'Name', value: 'output' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskApprovedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'comment' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskChangesRequestedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'comment' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskRejectedEvent' } },
                  selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: 'comment' } }] },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskToolCallEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'callId' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'tool' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'arguments' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'TaskToolResultEvent' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'callId' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'ok' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'preview' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
    {
      kind: 'FragmentDefinition',
      name: { kind: 'Name', value: 'DashUsageSnapshot' },
      typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'UsageSnapshot' } },
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          { kind: 'Field', name: { kind: 'Name', value: 'inputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'outputTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'totalTokens' } },
          { kind: 'Field', name: { kind: 'Name', value: 'costUsd' } },
        ],
      },
    },
  ],
} as unknown as DocumentNode<WorkflowEventsSubscription, WorkflowEventsSubscriptionVariables>;
