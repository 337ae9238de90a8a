import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import type { TaskDecision } from '../state/actions.ts';
import { costAttr, costText, formatTokens } from '../state/budget.ts';
import type { TaskView } from '../state/workflow-view.ts';
import { formatMs } from './format.ts';

export type TaskNodeData = {
  task: TaskView;
  critical: boolean;
  selected: boolean;
  onSelect: (key: string) => void;
  /** Decisions the caller may take on this task now (empty: none offered). */
  decisions: readonly TaskDecision[];
  /** The last error an action on (or naming) this task got from the server. */
  error: string | null;
  /** The decision whose form (feedback or reason) is open on this node. */
  form: TaskDecision | null;
  onForm: (key: string, decision: TaskDecision | null) => void;
  onDecide: (task: TaskView, decision: TaskDecision, text: string) => Promise<boolean>;
};
export type TaskNodeType = Node<TaskNodeData, 'task'>;

const LABEL: Record<TaskDecision, string> = { approve: 'Approve', changes: 'Changes…', reject: 'Reject…' };

/**
 * One task on the DAG: key, agent, status (colour and text), attempts, duration, tokens and cost; the
 * decisions it awaits as buttons; the server's error for it. `data-task-key`, `data-status` (the
 * GraphQL TaskStatus) and `data-cost` (USD, or "unpriced") are a contract with the browser tests.
 */
export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskNodeType>) {
  const { task: t, critical, selected, onSelect, decisions, error, form, onForm, onDecide } = data;
  const [busy, setBusy] = useState(false);
  const decide = async (decision: TaskDecision, text = '') => {
    setBusy(true);
    const ok = await onDecide(t, decision, text);
    setBusy(false);
    if (ok) onForm(t.key, null);
  };
  return (
    <div
      className={`task-node status-border-${t.status.toLowerCase()}${critical ? ' critical' : ''}${selected ? ' selected' : ''}${error ? ' has-error' : ''}`}
      data-task-key={t.key}
      data-status={t.status}
      data-cost={costAttr(t.usage)}
      data-tokens={t.usage.totalTokens}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <button
        type="button"
        className="task-select"
        aria-pressed={selected}
        aria-label={`Task ${t.key}, ${t.agent}, ${t.status.toLowerCase()}${t.usage.calls > 0 ? `, ${t.usage.totalTokens} tokens, ${costText(t.usage)}` : ''}`}
        onClick={() => onSelect(t.key)}
      >
        <span className="task-head">
          <span className="task-key">#{t.key}</span>
          <span className="task-agent">@{t.agent}</span>
        </span>
        {error ? (
          <span className="task-desc node-error" role="alert" title={error}>
            {error}
          </span>
        ) : (
          <span className="task-desc" title={t.description}>
            {t.description}
          </span>
        )}
        <span className="task-foot">
          <span className={`status status-${t.status.toLowerCase()}`}>{t.status.toLowerCase()}</span>
          <span className="muted">
            {t.attempts > 0 ? `try ${t.attempts}` : ''}
            {t.durationMs !== null ? ` · ${formatMs(t.durationMs)}` : ''}
          </span>
        </span>
        <span className="task-usage muted">
          {t.usage.calls > 0 ? (
            <>
              <span title={`${t.usage.inputTokens} in, ${t.usage.outputTokens} out${t.usage.estimated ? ' (estimated while streaming)' : ''}`}>
                {t.usage.estimated ? '≈' : ''}
                {formatTokens(t.usage.totalTokens)} tokens
              </span>
              <span className={`task-cost${t.usage.priced ? '' : ' unpriced'}`} title={t.usage.priced ? undefined : 'A model without a price: its cost is unknown, not $0'}>
                {costText(t.usage)}
              </span>
            </>
          ) : (
            <span>no model calls yet</span>
          )}
        </span>
      </button>
      {decisions.length > 0 && (
        <div className="task-decide nodrag nopan" role="group" aria-label={`Decide on task ${t.key}`}>
          {decisions.map((d) => (
            <button
              key={d}
              type="button"
              data-decision={d}
              className={d === 'reject' ? 'danger' : d === 'changes' ? 'secondary' : undefined}
              disabled={busy}
              aria-expanded={d === 'approve' ? undefined : form === d}
              onClick={() => (d === 'approve' ? void decide(d) : onForm(t.key, form === d ? null : d))}
            >
              {LABEL[d]}
            </button>
          ))}
        </div>
      )}
      {form && form !== 'approve' && decisions.includes(form) && (
        <DecisionForm taskKey={t.key} decision={form} busy={busy} onClose={() => onForm(t.key, null)} onSubmit={(text) => void decide(form, text)} />
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

/** The reason (reject) or feedback (request changes) a decision needs, hanging below its node. */
function DecisionForm({
  taskKey,
  decision,
  busy,
  onClose,
  onSubmit,
}: {
  taskKey: string;
  decision: 'changes' | 'reject';
  busy: boolean;
  onClose: () => void;
  onSubmit: (text: string) => void;
}) {
  const reject = decision === 'reject';
  const field = reject ? 'reason' : 'feedback';
  return (
    <form
      className="decision-form card nodrag nopan nowheel"
      aria-label={reject ? `Reject task ${taskKey}` : `Request changes to task ${taskKey}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
      onSubmit={(e) => {
        e.preventDefault();
        const text = String(new FormData(e.currentTarget).get(field) ?? '').trim();
        if (text) onSubmit(text);
      }}
    >
      <label>
        {reject ? 'Why is it rejected?' : 'What should change?'}
        <textarea name={field} rows={3} required autoFocus />
      </label>
      <span className="actions">
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
        <button type="submit" data-decision-submit={decision} className={reject ? 'danger' : undefined} disabled={busy}>
          {reject ? 'Reject' : 'Request changes'}
        </button>
      </span>
    </form>
  );
}
