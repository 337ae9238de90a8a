import { useState } from 'react';
import { EditPlanDocument, type ApprovalMode } from '../__generated__/operations.ts';
import { request } from '../api/client.ts';
import { addTask, parseKeys, removeTask, toEditPlanInput, updateTask, type DraftTask } from '../state/plan-draft.ts';
import type { Act } from '../state/use-act.ts';

const APPROVALS: ApprovalMode[] = ['NONE', 'BEFORE_RUN', 'AFTER_RUN'];

/**
 * Edits the plan of a PLANNED workflow: add, remove and rewire tasks, then editPlan with the full
 * list at the revision it was read at. The DAG beside it draws the draft; the server's PLAN_INVALID
 * lands on the node it names (see useAct).
 */
export function PlanEditor({
  workflowId,
  revision,
  draft,
  onChange,
  onDone,
  act,
  errors,
}: {
  workflowId: string;
  revision: number;
  draft: readonly DraftTask[];
  onChange: (draft: DraftTask[]) => void;
  onDone: () => void;
  act: Act;
  errors: Readonly<Record<string, string>>;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="plan-editor card"
      aria-labelledby="plan-editor-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        const ok = await act('Saving the plan', () => request(EditPlanDocument, { id: workflowId, input: toEditPlanInput(draft, revision) }));
        setBusy(false);
        if (ok) onDone();
      }}
    >
      <h2 id="plan-editor-title">
        Edit the plan <span className="muted">revision {revision}</span>
      </h2>
      <ol className="draft-tasks">
        {draft.map((t) => (
          <li key={t.key} className={`draft-task${errors[t.key] ? ' has-error' : ''}`} data-draft-key={t.key}>
            <div className="row">
              <strong>#{t.key}</strong>
              <label>
                Agent <input name="agent" size={10} value={t.agent} onChange={(e) => onChange(updateTask(draft, t.key, { agent: e.target.value }))} />
              </label>
              <button type="button" className="danger small" data-action="remove-task" aria-label={`Remove task ${t.key}`} onClick={() => onChange(removeTask(draft, t.key))}>
                Remove
              </button>
            </div>
            <textarea
              name="description"
              aria-label={`Task ${t.key} description`}
              rows={2}
              value={t.description}
              onChange={(e) => onChange(updateTask(draft, t.key, { description: e.target.value }))}
            />
            <div className="row">
              <label>
                Depends on{' '}
                <input
                  // Committed on blur: parsing each keystroke would rewrite "1, " while it is typed.
                  key={t.dependsOn.join(',')}
                  name="dependsOn"
                  size={12}
                  placeholder="e.g. 1, 2"
                  defaultValue={t.dependsOn.join(', ')}
                  onBlur={(e) => onChange(updateTask(draft, t.key, { dependsOn: parseKeys(e.target.value) }))}
                />
              </label>
              <label>
                Approval{' '}
                <select name="approval" value={t.approval} onChange={(e) => onChange(updateTask(draft, t.key, { approval: e.target.value as ApprovalMode }))}>
                  {APPROVALS.map((a) => (
                    <option key={a} value={a}>
                      {a.toLowerCase().replace('_', ' ')}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {errors[t.key] && (
              <p className="error" role="alert">
                {errors[t.key]}
              </p>
            )}
          </li>
        ))}
      </ol>
      <div className="row">
        <button type="button" className="secondary" data-action="add-task" onClick={() => onChange(addTask(draft))}>
          Add a task
        </button>
        <span className="actions">
          <button type="button" className="secondary" data-action="discard-plan" onClick={onDone}>
            Discard
          </button>
          <button type="submit" data-action="save-plan" disabled={busy}>
            {busy ? 'Saving…' : 'Save plan'}
          </button>
        </span>
      </div>
    </form>
  );
}
