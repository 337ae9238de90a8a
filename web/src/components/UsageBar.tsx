import type { TaskView } from '../state/workflow-view.ts';

/**
 * Token usage as a bar: each task's share of the workflow's total, in plan order. A budget line and
 * cost join here once the schema has them (#15).
 */
export function UsageBar({ tasks, total }: { tasks: readonly TaskView[]; total: number }) {
  if (total <= 0) return null;
  const used = tasks.filter((t) => t.tokens > 0);
  return (
    <div className="usage" aria-label={`${total} tokens used`}>
      <div className="usage-bar" role="img" aria-label={used.map((t) => `task ${t.key}: ${t.tokens} tokens`).join(', ')}>
        {used.map((t) => (
          <span key={t.key} className="usage-seg" style={{ width: `${(t.tokens / total) * 100}%` }} title={`#${t.key} @${t.agent}: ${t.tokens} tokens`} />
        ))}
      </div>
      <span className="muted">{total} tokens</span>
    </div>
  );
}
