import { useState } from 'react';
import { PlanWorkflowDocument } from '../__generated__/operations.ts';
import { ApiError, request } from '../api/client.ts';
import { APPROVALS, planInput } from '../state/plan-request.ts';
import { BudgetFieldset } from './BudgetFieldset.tsx';

/** The request box: plans the request (with autoStart, an approval mode and a budget) and opens its page. */
export function RequestForm({ onPlanned }: { onPlanned: (id: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="request-form card"
      aria-label="Plan a request"
      onSubmit={async (e) => {
        e.preventDefault();
        const parsed = planInput(new FormData(e.currentTarget), crypto.randomUUID());
        if ('error' in parsed) return setError(parsed.error);
        setBusy(true);
        setError(null);
        try {
          const { planWorkflow } = await request(PlanWorkflowDocument, parsed);
          onPlanned(planWorkflow.id);
        } catch (err) {
          setError(err instanceof ApiError ? err.message : 'The request could not be sent.');
        } finally {
          setBusy(false);
        }
      }}
    >
      <label htmlFor="request">What should be built?</label>
      <textarea id="request" name="request" rows={3} placeholder="Build a complete auth system with registration, login and JWT" />
      <details className="request-options">
        <summary>Approval and budget</summary>
        <label htmlFor="request-approval">
          Approval
          <select id="request-approval" name="approval" defaultValue="NONE">
            {APPROVALS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <BudgetFieldset idPrefix="request" legend="Budget (empty: the server’s default)" />
      </details>
      <div className="row">
        <label className="check">
          <input type="checkbox" name="autoStart" defaultChecked />
          Start as soon as it is planned
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Planning…' : 'Plan'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
