import { useState } from 'react';
import { SetBudgetDocument } from '../__generated__/operations.ts';
import { request } from '../api/client.ts';
import {
  LIMIT_LABEL,
  budgetFields,
  budgetFieldsOf,
  costText,
  formatTokens,
  formatUsd,
  meterText,
  meters,
  noticeText,
  parseBudget,
  worstState,
  type BudgetLimit,
  type BudgetView,
  type Meter,
} from '../state/budget.ts';
import type { Act } from '../state/use-act.ts';
import { isTerminal, type WorkflowView } from '../state/workflow-view.ts';
import { BudgetFieldset } from './BudgetFieldset.tsx';
import { UsageBar } from './UsageBar.tsx';

/**
 * The workflow's usage and budget: tokens, cost ("unpriced" when a model has no price) and calls; one
 * meter per limit (warning colour from 80%, exceeded past the limit); the last budget warning or
 * stop; "Set budget…" for roles that may change it. `data-budget-state` (ok, warning, exceeded) and
 * each meter's `data-limit` / `data-state` are a contract with the browser tests.
 */
export function UsageBudget({ view, act, open, onOpen }: { view: WorkflowView; act: Act | null; open: boolean; onOpen: (open: boolean) => void }) {
  const ms = meters(view.usage, view.budget, view.budgetNotice?.kind === 'exceeded' ? (view.budgetNotice.limit as BudgetLimit) : null);
  const state = worstState(ms);
  const u = view.usage;
  const notice = view.budgetNotice && (view.budgetNotice.kind === 'exceeded' || !isTerminal(view.status)) ? view.budgetNotice : null;
  return (
    <section
      className={`usage-budget budget-${state}`}
      aria-label="Usage and budget"
      data-budget-state={state}
      data-tokens={u.totalTokens}
      data-cost={u.priced ? String(u.costUsd) : 'unpriced'}
    >
      <div className="row usage-summary">
        <span>
          <strong>{u.calls > 0 ? `${u.estimated ? '≈' : ''}${formatTokens(u.totalTokens)} tokens` : 'No model calls yet'}</strong>
          {u.calls > 0 && (
            <span className="muted">
              {' '}
              · <span className={u.priced ? undefined : 'unpriced'}>{costText(u)}</span> · {u.calls} {u.calls === 1 ? 'call' : 'calls'}
            </span>
          )}
        </span>
        <span className="budget-line muted">
          {budgetText(view.budget)}
          {act && (
            <button type="button" className="secondary small" data-action="set-budget" aria-expanded={open} onClick={() => onOpen(!open)}>
              Set budget…
            </button>
          )}
        </span>
      </div>
      {ms.length > 0 ? ms.map((m) => <BudgetMeter key={m.limit} m={m} />) : <UsageBar tasks={view.tasks} total={u.totalTokens} />}
      {notice && (
        <p className={notice.kind === 'exceeded' ? 'error budget-notice' : 'budget-warning budget-notice'} role="status" data-notice={notice.kind}>
          {noticeText(notice)}
        </p>
      )}
      {open && act && <SetBudgetForm id={view.id} budget={view.budget} act={act} onClose={() => onOpen(false)} />}
    </section>
  );
}

function budgetText(b: BudgetView | null): string {
  if (!b || (b.maxTokens == null && b.maxCostUsd == null)) return 'No budget';
  const limits = [b.maxTokens != null ? `${b.maxTokens.toLocaleString('en')} tokens` : null, b.maxCostUsd != null ? formatUsd(b.maxCostUsd) : null].filter(Boolean);
  return `Budget: ${limits.join(' · ')}, then ${b.onExceed === 'PAUSE' ? 'pause' : 'stop'}`;
}

/** A limit as a bar: the fill is the share used (capped at the end), a tick marks the 80% warning. */
function BudgetMeter({ m }: { m: Meter }) {
  const percent = Math.round(m.ratio * 100);
  return (
    <div className="budget-meter-row" data-limit={m.limit} data-state={m.state}>
      <span className="budget-limit muted">{LIMIT_LABEL[m.limit]}</span>
      <div
        className={`budget-meter meter-${m.state}`}
        role="meter"
        aria-label={`${LIMIT_LABEL[m.limit]} budget`}
        aria-valuemin={0}
        aria-valuemax={m.max}
        aria-valuenow={Math.min(m.used, m.max)}
        aria-valuetext={`${meterText(m)}, ${percent}%${m.state === 'exceeded' ? ', exceeded' : ''}`}
      >
        <span className="budget-fill" style={{ width: `${Math.min(100, m.ratio * 100)}%` }} />
        <span className="budget-tick" aria-hidden="true" />
      </div>
      <span className="budget-text">
        {meterText(m)} ({percent}%){m.state === 'exceeded' ? <strong> exceeded</strong> : m.state === 'warning' ? <strong> over 80%</strong> : null}
      </span>
    </div>
  );
}

/** setBudget with the current limits filled in; empty limits remove them. A PAUSED-by-budget run given room resumes. */
function SetBudgetForm({ id, budget, act, onClose }: { id: string; budget: BudgetView | null; act: Act; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="set-budget-form"
      aria-label="Set budget"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
      onSubmit={async (e) => {
        e.preventDefault();
        const parsed = parseBudget(budgetFieldsOf(new FormData(e.currentTarget)));
        if (!parsed.ok) return setError(parsed.error);
        setError(null);
        setBusy(true);
        const ok = await act('Set budget', () => request(SetBudgetDocument, { id, budget: parsed.budget }));
        setBusy(false);
        if (ok) onClose();
      }}
    >
      <BudgetFieldset idPrefix="set-budget" legend="New budget (empty: no limit)" initial={budgetFields(budget)} />
      <span className="actions">
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
        <button type="submit" data-action="set-budget-submit" disabled={busy}>
          Set budget
        </button>
      </span>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
