import { useState } from 'react';
import {
  CancelWorkflowDocument,
  PauseWorkflowDocument,
  ReplanWorkflowDocument,
  ResumeWorkflowDocument,
  RetryWorkflowDocument,
  StartWorkflowDocument,
  type Role,
  type WorkflowStatus,
} from '../__generated__/operations.ts';
import { request } from '../api/client.ts';
import { availableActions, type WorkflowAction } from '../state/actions.ts';
import type { Act } from '../state/use-act.ts';

/** The actions that are one click; replan asks for feedback first, edit opens the plan editor. */
const RUN: Record<Exclude<WorkflowAction, 'replan' | 'edit'>, (id: string) => Promise<unknown>> = {
  start: (id) => request(StartWorkflowDocument, { id }),
  pause: (id) => request(PauseWorkflowDocument, { id }),
  resume: (id) => request(ResumeWorkflowDocument, { id }),
  cancel: (id) => request(CancelWorkflowDocument, { id }),
  retry: (id) => request(RetryWorkflowDocument, { id }),
};

/** The buttons the role may use in this state; the page updates from events, not from the answer. */
export function WorkflowActions({ id, status, role, act, onEdit }: { id: string; status: WorkflowStatus; role: Role | null; act: Act; onEdit: () => void }) {
  const [busy, setBusy] = useState(false);
  const [replanning, setReplanning] = useState(false);
  const actions = availableActions(role, status);
  if (actions.length === 0) return null;
  const run = async (label: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    const ok = await act(label, fn);
    setBusy(false);
    return ok;
  };
  return (
    <div className="actions-wrap">
      <div className="actions" role="group" aria-label="Workflow actions">
        {actions.map(({ action, label }) => (
          <button
            key={action}
            type="button"
            data-action={action}
            className={action === 'cancel' ? 'danger' : action === 'edit' || action === 'replan' ? 'secondary' : undefined}
            aria-expanded={action === 'replan' ? replanning : undefined}
            disabled={busy}
            onClick={() => {
              if (action === 'edit') return onEdit();
              if (action === 'replan') return setReplanning((r) => !r);
              void run(label, () => RUN[action](id));
            }}
          >
            {label}
          </button>
        ))}
      </div>
      {replanning && actions.some((a) => a.action === 'replan') && (
        <form
          className="replan-form"
          aria-label="Replan with feedback"
          onSubmit={async (e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            const feedback = String(data.get('feedback') ?? '').trim();
            const autoStart = data.get('autoStart') === 'on';
            if (await run('Replan', () => request(ReplanWorkflowDocument, { id, feedback: feedback || null, autoStart }))) setReplanning(false);
          }}
        >
          <label htmlFor="replan-feedback">What should the new plan do differently?</label>
          <textarea id="replan-feedback" name="feedback" rows={2} autoFocus />
          <div className="row">
            <label className="check">
              <input type="checkbox" name="autoStart" /> Start the new plan at once
            </label>
            <span className="actions">
              <button type="button" className="secondary" onClick={() => setReplanning(false)}>
                Close
              </button>
              <button type="submit" data-action="replan-submit" disabled={busy}>
                Replan
              </button>
            </span>
          </div>
        </form>
      )}
    </div>
  );
}
