import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApproveTaskDocument, RejectTaskDocument, RequestChangesDocument, type Role } from '../__generated__/operations.ts';
import { request } from '../api/client.ts';
import { Artifacts } from '../components/Artifacts.tsx';
import { Dag } from '../components/Dag.tsx';
import { Gantt } from '../components/Gantt.tsx';
import { PlanEditor } from '../components/PlanEditor.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { TaskPanel } from '../components/TaskPanel.tsx';
import { UsageBudget } from '../components/UsageBudget.tsx';
import { WorkflowActions } from '../components/WorkflowActions.tsx';
import { availableDecisions, canOperate, canRerun, type TaskDecision } from '../state/actions.ts';
import { draftOf, draftViews, type DraftTask } from '../state/plan-draft.ts';
import { useAct } from '../state/use-act.ts';
import { useWorkflow } from '../state/use-workflow.ts';
import { criticalPath, isTerminal, type TaskView, type WorkflowView } from '../state/workflow-view.ts';

const DECIDE: Record<TaskDecision, (id: string, text: string) => Promise<unknown>> = {
  approve: (id) => request(ApproveTaskDocument, { id }),
  changes: (id, feedback) => request(RequestChangesDocument, { id, feedback }),
  reject: (id, reason) => request(RejectTaskDocument, { id, reason }),
};
const DECISION_LABEL: Record<TaskDecision, string> = { approve: 'Approve', changes: 'Request changes', reject: 'Reject' };

/** `/workflows/<id>`: the DAG as it runs, the selected task, the actions, the timeline, the artifacts. */
export function WorkflowPage({ id, role }: { id: string; role: Role | null }) {
  const { view, error, lastSeq, lastCursor } = useWorkflow(id);
  const { act, nodeErrors, error: actError, errorCode, clearErrors } = useAct();
  const [picked, setPicked] = useState<string | null>(null);
  const [budgetOpen, setBudgetOpen] = useState(false);
  /** The plan being edited (PLANNED only): the DAG draws it instead of the stored plan. */
  const [draft, setDraft] = useState<DraftTask[] | null>(null);
  const editing = !!draft && view?.status === 'PLANNED';
  // A draft is of the plan as it was while PLANNED: once the workflow moves on (started, replanned elsewhere) it is dropped.
  useEffect(() => {
    if (draft && view && view.status !== 'PLANNED') setDraft(null);
  }, [draft, view]);
  const stored = view?.tasks ?? [];
  const tasks = useMemo(() => (editing ? draftViews(draft, stored) : stored), [editing, draft, stored]);
  const ended = !!view && isTerminal(view.status);
  const critical = useMemo(() => (ended ? criticalPath(tasks) : []), [ended, tasks]);
  // Until a task is picked, follow the run: one awaiting a decision, the running task, else the last one with output.
  const selected =
    picked ??
    tasks.find((t) => t.status === 'AWAITING_APPROVAL' || t.status === 'AWAITING_REVIEW')?.key ??
    tasks.find((t) => t.status === 'RUNNING')?.key ??
    [...tasks].reverse().find((t) => t.output)?.key ??
    tasks[0]?.key ??
    null;
  const task = tasks.find((t) => t.key === selected);
  const status = view?.status ?? 'PLANNING';
  const decisionsFor = useCallback((t: TaskView) => (editing ? [] : availableDecisions(role, status, t.status)), [editing, role, status]);
  const onDecide = useCallback((t: TaskView, d: TaskDecision, text: string) => act(DECISION_LABEL[d], () => DECIDE[d](t.id, text), t.key), [act]);
  // Artifacts are read again when a task finishes or a tool call returns (a write_file, say).
  const artifactsVersion = `${view?.progress.completed ?? 0}:${Object.values(view?.toolCalls ?? {}).reduce((n, c) => n + c.filter((x) => x.result).length, 0)}:${status}`;

  // An error naming a task that is not drawn (removed from the draft, say) is shown at the top instead.
  const unplaced = Object.entries(nodeErrors)
    .filter(([key]) => !tasks.some((t) => t.key === key))
    .map(([key, message]) => `Task ${key}: ${message}`);

  if (!view) return <p className={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  const startEditing = () => {
    clearErrors();
    setDraft(draftOf(view.tasks));
  };
  const stopEditing = () => {
    clearErrors();
    setDraft(null);
  };
  return (
    <div className="workflow-page" data-workflow-id={view.id} data-status={view.status} data-last-seq={lastSeq} data-last-cursor={lastCursor ?? ''}>
      <WorkflowHead
        view={view}
        critical={ended ? critical : []}
        errors={[error, ...unplaced]}
        below={
          <>
            <UsageBudget view={view} act={canOperate(role) ? act : null} open={budgetOpen} onOpen={setBudgetOpen} />
            {actError && <ActionError message={actError} code={errorCode} onRaise={canOperate(role) ? () => setBudgetOpen(true) : null} />}
          </>
        }
      >
        {!editing && <WorkflowActions id={view.id} status={view.status} role={role} act={act} onEdit={startEditing} />}
      </WorkflowHead>
      <div className="wf-body">
        {tasks.length > 0 ? (
          <Dag tasks={tasks} critical={critical} selected={selected} onSelect={setPicked} decisionsFor={decisionsFor} onDecide={onDecide} errors={nodeErrors} />
        ) : (
          <div className="dag empty muted">{view.status === 'PLANNING' ? 'The orchestrator is writing the plan…' : 'No tasks.'}</div>
        )}
        {editing ? (
          <PlanEditor workflowId={view.id} revision={view.planRevision} draft={draft} onChange={setDraft} onDone={stopEditing} act={act} errors={nodeErrors} />
        ) : (
          task && <TaskPanel task={task} tasks={tasks} onSelect={setPicked} toolCalls={view.toolCalls[task.key] ?? []} rerun={canRerun(role, view.status) ? act : null} />
        )}
      </div>
      <Gantt tasks={stored} critical={critical} running={view.status === 'EXECUTING'} />
      <Artifacts workflowId={view.id} version={artifactsVersion} />
    </div>
  );
}

/**
 * The last action's error. BUDGET_EXCEEDED (resume or start while over the budget) says so plainly,
 * with the way out: raising the budget.
 */
function ActionError({ message, code, onRaise }: { message: string; code: string | null; onRaise: (() => void) | null }) {
  if (code !== 'BUDGET_EXCEEDED')
    return (
      <p className="error action-error" role="alert">
        {message}
      </p>
    );
  return (
    <div className="error action-error budget-error card" role="alert" data-code={code}>
      <strong>Over budget.</strong> {message}
      {onRaise && (
        <button type="button" className="small" data-action="raise-budget" onClick={onRaise}>
          Raise the budget…
        </button>
      )}
    </div>
  );
}

/** The header: the request, its status and progress, the critical path once ended, the actions, errors; `below`: usage and the last action's error. */
function WorkflowHead({
  view,
  critical,
  errors,
  below,
  children,
}: {
  view: WorkflowView;
  critical: readonly string[];
  errors: ReadonlyArray<string | null>;
  below: ReactNode;
  children: ReactNode;
}) {
  const [loadError, ...actErrors] = errors;
  return (
    <section className="card wf-head">
      <div className="row">
        <h1>{view.description}</h1>
        <StatusBadge status={view.status} />
      </div>
      <div className="row">
        <span>
          <progress max={100} value={view.progress.percent} aria-label="progress" /> {view.progress.completed}/{view.progress.total} tasks
          {critical.length > 0 ? <span className="muted"> · critical path {critical.map((k) => `#${k}`).join(' → ')}</span> : null}
        </span>
        {children}
      </div>
      {view.error && <p className={view.error.startsWith('BUDGET_EXCEEDED') ? 'error budget-error' : 'error'}>{view.error}</p>}
      {loadError && <p className="error">{loadError}</p>}
      {actErrors.map(
        (e) =>
          e && (
            <p key={e} className="error action-error" role="alert">
              {e}
            </p>
          ),
      )}
      {below}
    </section>
  );
}
