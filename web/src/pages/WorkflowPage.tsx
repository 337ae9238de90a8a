import { useMemo, useState } from 'react';
import type { Role } from '../__generated__/operations.ts';
import { Dag } from '../components/Dag.tsx';
import { Gantt } from '../components/Gantt.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { TaskPanel } from '../components/TaskPanel.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import { WorkflowActions } from '../components/WorkflowActions.tsx';
import { useWorkflow } from '../state/use-workflow.ts';
import { criticalPath, isTerminal } from '../state/workflow-view.ts';

/** `/workflows/<id>`: the DAG as it runs, the selected task, the actions, the timeline. */
export function WorkflowPage({ id, role }: { id: string; role: Role | null }) {
  const { view, error, lastSeq } = useWorkflow(id);
  const [picked, setPicked] = useState<string | null>(null);
  const tasks = view?.tasks ?? [];
  const ended = !!view && isTerminal(view.status);
  const critical = useMemo(() => (ended ? criticalPath(tasks) : []), [ended, tasks]);
  // Until a task is picked, follow the run: the running task, else the last one that has output.
  const selected = picked ?? tasks.find((t) => t.status === 'RUNNING')?.key ?? [...tasks].reverse().find((t) => t.output)?.key ?? tasks[0]?.key ?? null;
  const task = tasks.find((t) => t.key === selected);

  if (!view) return <p className={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  return (
    <div className="workflow-page" data-workflow-id={view.id} data-status={view.status} data-last-seq={lastSeq}>
      <section className="card wf-head">
        <div className="row">
          <h1>{view.description}</h1>
          <StatusBadge status={view.status} />
        </div>
        <div className="row">
          <span>
            <progress max={100} value={view.progress.percent} aria-label="progress" /> {view.progress.completed}/{view.progress.total} tasks
            {ended && critical.length > 0 ? <span className="muted"> · critical path {critical.map((k) => `#${k}`).join(' → ')}</span> : null}
          </span>
          <WorkflowActions id={view.id} status={view.status} role={role} />
        </div>
        <UsageBar tasks={tasks} total={view.tokens} />
        {view.error && <p className="error">{view.error}</p>}
        {error && <p className="error">{error}</p>}
      </section>
      <div className="wf-body">
        {tasks.length > 0 ? (
          <Dag tasks={tasks} critical={critical} selected={selected} onSelect={setPicked} />
        ) : (
          <div className="dag empty muted">{view.status === 'PLANNING' ? 'The orchestrator is writing the plan…' : 'No tasks.'}</div>
        )}
        {task && <TaskPanel task={task} tasks={tasks} onSelect={setPicked} />}
      </div>
      <Gantt tasks={tasks} running={view.status === 'EXECUTING'} />
    </div>
  );
}
