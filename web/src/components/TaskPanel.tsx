import { useEffect, useRef } from 'react';
import { costAttr, costText } from '../state/budget.ts';
import type { ToolCall } from '../state/tool-calls.ts';
import type { Act } from '../state/use-act.ts';
import type { TaskView } from '../state/workflow-view.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { History, Rerun, ToolCalls, callsIn } from './TaskDetails.tsx';
import { formatMs } from './format.ts';

/**
 * The selected task: its prompt inputs (the dependencies whose output it receives), its output as
 * it streams, its tool calls and results, its earlier runs, and rerun when the workflow has ended.
 */
export function TaskPanel({
  task,
  tasks,
  onSelect,
  toolCalls,
  rerun,
}: {
  task: TaskView;
  tasks: readonly TaskView[];
  onSelect: (key: string) => void;
  toolCalls: readonly ToolCall[];
  /** Given when rerunTask is offered. */
  rerun: Act | null;
}) {
  const out = useRef<HTMLPreElement>(null);
  // Follow the stream while the reader is at the bottom; leave them where they are otherwise.
  useEffect(() => {
    const el = out.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [task.output]);
  const deps = task.dependsOn.map((k) => tasks.find((t) => t.key === k)).filter((t): t is TaskView => !!t);
  return (
    <section className="task-panel card" aria-labelledby="task-title" data-selected-task={task.key}>
      <h2 id="task-title">
        Task {task.key} <span className="muted">@{task.agent}</span> <StatusBadge status={task.status} />
      </h2>
      <p>{task.description}</p>
      <dl className="facts">
        <dt>Attempts</dt>
        <dd>{task.attempts}</dd>
        <dt>Duration</dt>
        <dd>{task.durationMs !== null ? formatMs(task.durationMs) : '—'}</dd>
        <dt>Tokens</dt>
        <dd>
          {task.usage.calls > 0
            ? `${task.usage.estimated ? '≈' : ''}${task.usage.totalTokens.toLocaleString('en')} (${task.usage.inputTokens.toLocaleString('en')} in, ${task.usage.outputTokens.toLocaleString('en')} out)`
            : '—'}
        </dd>
        <dt>Cost</dt>
        <dd data-cost={costAttr(task.usage)}>{task.usage.calls > 0 ? costText(task.usage) : '—'}</dd>
      </dl>
      <h3>Inputs</h3>
      {deps.length === 0 ? (
        <p className="muted">No dependencies: the task works from the request alone.</p>
      ) : (
        <ul className="deps">
          {deps.map((d) => (
            <li key={d.key}>
              <button type="button" className="link" onClick={() => onSelect(d.key)}>
                Task {d.key} @{d.agent}
              </button>{' '}
              <StatusBadge status={d.status} /> <span className="muted">{d.output ? `${d.output.length} chars of output` : 'no output yet'}</span>
              {d.output && (
                <details className="dep-output">
                  <summary>its output, as this task's prompt receives it</summary>
                  <pre className="output">{d.output}</pre>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
      {task.error && (
        <p className="error" role="alert">
          {task.error}
        </p>
      )}
      <h3>Output</h3>
      <pre ref={out} className="output" data-testid="task-output" tabIndex={0} aria-live="off">
        {task.output || (task.status === 'RUNNING' ? 'Waiting for the first words…' : 'No output.')}
      </pre>
      <ToolCalls calls={callsIn(toolCalls, { startedAt: task.startedAt, completedAt: null })} />
      <History task={task} calls={toolCalls} />
      {rerun && <Rerun key={task.key} task={task} act={rerun} />}
    </section>
  );
}
