import { useCallback, useEffect, useState } from 'react';
import { WorkflowUpdatedDocument, WorkflowsDocument, type DashWorkflowFragment, type Role, type WorkflowStatus } from '../__generated__/operations.ts';
import { ApiError, request, subscribe } from '../api/client.ts';
import { RequestForm } from '../components/RequestForm.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { canOperate } from '../state/actions.ts';
import { navigate, workflowPath } from '../router.ts';

const STATUSES: WorkflowStatus[] = ['PLANNING', 'PLANNED', 'EXECUTING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const PAGE = 20;

type Page = { after?: string; before?: string };

/** The list, newest first: filtered by status, paginated by cursor, kept live by workflowUpdated. */
export function WorkflowList({ role }: { role: Role | null }) {
  const [status, setStatus] = useState<WorkflowStatus | ''>('');
  const [page, setPage] = useState<Page>({});
  const [rows, setRows] = useState<DashWorkflowFragment[]>([]);
  const [info, setInfo] = useState({ hasNextPage: false, hasPreviousPage: false, startCursor: null as string | null | undefined, endCursor: null as string | null | undefined });
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const vars = page.before ? { last: PAGE, before: page.before } : { first: PAGE, after: page.after };
      const { workflows } = await request(WorkflowsDocument, { status: status || undefined, ...vars });
      setRows(workflows.edges.map((e) => e.node));
      setInfo(workflows.pageInfo);
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'could not load workflows');
    }
  }, [status, page]);

  useEffect(() => {
    void load();
  }, [load]);

  // A workflow already shown is updated in place; a new one appears at the top of the first page.
  useEffect(
    () =>
      subscribe(WorkflowUpdatedDocument, () => ({}), {
        next: ({ workflowUpdated: w }) =>
          setRows((rs) => {
            const i = rs.findIndex((r) => r.id === w.id);
            const fits = !status || w.status === status;
            if (i >= 0) return fits ? rs.map((r) => (r.id === w.id ? w : r)) : rs.filter((r) => r.id !== w.id);
            return fits && !page.after && !page.before ? [w, ...rs].slice(0, PAGE) : rs;
          }),
        // Updates may have been missed while the socket was down: read the page again.
        reconnecting: () => void load(),
      }),
    [status, page, load],
  );

  return (
    <div className="list-page">
      {canOperate(role) && <RequestForm onPlanned={(id) => navigate(workflowPath(id))} />}
      <section className="card" aria-labelledby="wf-title">
        <div className="row">
          <h1 id="wf-title">Workflows</h1>
          <label className="filter">
            Status
            <select
              name="status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as WorkflowStatus | '');
                setPage({});
              }}
            >
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
        </div>
        {error && <p className="error">{error}</p>}
        <table className="workflows">
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((w) => (
              <tr key={w.id} data-workflow-id={w.id} data-status={w.status}>
                <td>
                  <a
                    href={workflowPath(w.id)}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(workflowPath(w.id));
                    }}
                  >
                    {w.description}
                  </a>
                </td>
                <td>
                  <StatusBadge status={w.status} />
                </td>
                <td>
                  <progress max={100} value={w.progress.percent} aria-label="progress" /> {w.progress.completed}/{w.progress.total}
                </td>
                <td>{new Date(w.createdAt).toLocaleString()}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No workflows{status ? ` ${status.toLowerCase()}` : ''} yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={!info.hasPreviousPage && !page.after} onClick={() => setPage(info.startCursor ? { before: info.startCursor } : {})}>
            ← Newer
          </button>
          <button type="button" disabled={!info.hasNextPage} onClick={() => setPage({ after: info.endCursor ?? undefined })}>
            Older →
          </button>
        </nav>
      </section>
    </div>
  );
}
