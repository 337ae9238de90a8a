import { useState } from 'react';
import { CancelWorkflowDocument, RetryWorkflowDocument, StartWorkflowDocument, type Role, type WorkflowStatus } from '../__generated__/operations.ts';
import { ApiError, request } from '../api/client.ts';
import { availableActions, type WorkflowAction } from '../state/actions.ts';

const RUN: Record<WorkflowAction, (id: string) => Promise<unknown>> = {
  start: (id) => request(StartWorkflowDocument, { id }),
  cancel: (id) => request(CancelWorkflowDocument, { id }),
  retry: (id) => request(RetryWorkflowDocument, { id }),
};

/** The buttons the role may use in this state; the page updates from events, not from the answer. */
export function WorkflowActions({ id, status, role }: { id: string; status: WorkflowStatus; role: Role | null }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const actions = availableActions(role, status);
  if (actions.length === 0) return null;
  return (
    <div className="actions" role="group" aria-label="Workflow actions">
      {actions.map(({ action, label }) => (
        <button
          key={action}
          type="button"
          data-action={action}
          className={action === 'cancel' ? 'danger' : undefined}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await RUN[action](id);
            } catch (err) {
              setError(err instanceof ApiError ? err.message : `${label} failed`);
            } finally {
              setBusy(false);
            }
          }}
        >
          {label}
        </button>
      ))}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
