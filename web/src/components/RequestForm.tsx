import { useState } from 'react';
import { PlanWorkflowDocument } from '../__generated__/operations.ts';
import { ApiError, request } from '../api/client.ts';

/**
 * The request box: plans the request and opens its page. Approval mode and budget options
 * join autoStart here once the schema's PlanWorkflowInput has them.
 */
export function RequestForm({ onPlanned }: { onPlanned: (id: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="request-form card"
      aria-label="Plan a request"
      onSubmit={async (e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const text = String(data.get('request') ?? '').trim();
        if (!text) return setError('Type what to build.');
        setBusy(true);
        setError(null);
        try {
          const { planWorkflow } = await request(PlanWorkflowDocument, {
            input: { request: text, autoStart: data.get('autoStart') === 'on', idempotencyKey: crypto.randomUUID() },
          });
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
