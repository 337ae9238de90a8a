import { useState } from 'react';
import { RerunTaskDocument } from '../__generated__/operations.ts';
import { request } from '../api/client.ts';
import type { ToolCall } from '../state/tool-calls.ts';
import type { Act } from '../state/use-act.ts';
import type { TaskView } from '../state/workflow-view.ts';
import { formatMs } from './format.ts';

/** The calls made within a run (from its start to its end, or on): events carry no run number. */
export const callsIn = (calls: readonly ToolCall[], run: { startedAt: string | null; completedAt: string | null }): ToolCall[] =>
  calls.filter((c) => (!run.startedAt || c.at >= run.startedAt) && (!run.completedAt || c.at <= run.completedAt));

/** Tool calls in order, each with its result (a bounded preview) once it came. */
export function ToolCalls({ calls, title = 'Tool calls' }: { calls: readonly ToolCall[]; title?: string }) {
  if (calls.length === 0) return null;
  return (
    <details className="tool-calls">
      <summary>
        <h3>
          {title} ({calls.length})
        </h3>
      </summary>
      <ol>
        {calls.map((c) => (
          <li key={`${c.seq}:${c.callId}`} data-tool={c.tool} data-tool-ok={c.result ? String(c.result.ok) : 'pending'}>
            <code className="tool-name">{c.tool}</code>{' '}
            <span className={c.result ? (c.result.ok ? 'tool-ok' : 'error') : 'muted'}>{c.result ? (c.result.ok ? 'ok' : 'error') : 'running…'}</span>
            <pre className="tool-args">{c.arguments}</pre>
            {c.result && <pre className="tool-result">{c.result.preview}</pre>}
          </li>
        ))}
      </ol>
    </details>
  );
}

const span = (a: { startedAt: string | null; completedAt: string | null }) => (a.startedAt && a.completedAt ? formatMs(Date.parse(a.completedAt) - Date.parse(a.startedAt)) : '—');

/** Earlier runs of the task (Task.history without the current one): kept by rerunTask and requested changes. */
export function History({ task, calls }: { task: TaskView; calls: readonly ToolCall[] }) {
  // The last entry is the current run once it started; it is what the rest of the panel shows.
  const earlier = task.startedAt ? task.history.slice(0, -1) : task.history;
  if (earlier.length === 0) return null;
  return (
    <details className="history">
      <summary>
        <h3>Earlier runs ({earlier.length})</h3>
      </summary>
      <ol>
        {earlier.map((a, i) => (
          <li key={i} data-history-index={i}>
            <span className="muted">
              {a.startedAt ? new Date(a.startedAt).toLocaleString() : 'not started'} · {a.attempt} {a.attempt === 1 ? 'attempt' : 'attempts'} · {span(a)}
            </span>
            {a.error && <p className="error">{a.error}</p>}
            {a.output && <pre className="output history-output">{a.output}</pre>}
            <ToolCalls calls={callsIn(calls, a)} title="Its tool calls" />
          </li>
        ))}
      </ol>
    </details>
  );
}

/** rerunTask: the task (with a new description, if given) and its dependents run again. */
export function Rerun({ task, act }: { task: TaskView; act: Act }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!open)
    return (
      <button type="button" className="secondary" data-action="rerun" onClick={() => setOpen(true)}>
        Rerun from this task…
      </button>
    );
  return (
    <form
      className="rerun-form"
      aria-label={`Rerun task ${task.key}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const description = String(new FormData(e.currentTarget).get('description') ?? '').trim();
        setBusy(true);
        const ok = await act(
          'Rerun',
          () => request(RerunTaskDocument, { id: task.id, description: description && description !== task.description ? description : null }),
          task.key,
        );
        setBusy(false);
        if (ok) setOpen(false);
      }}
    >
      <label htmlFor="rerun-description">Task {task.key} runs again with its dependents; change what it should do if you like:</label>
      <textarea id="rerun-description" name="description" rows={3} defaultValue={task.description} />
      <span className="actions">
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Close
        </button>
        <button type="submit" data-action="rerun-submit" disabled={busy}>
          Rerun
        </button>
      </span>
    </form>
  );
}
