import { formatTokens } from '../state/budget.ts';
import type { TaskView } from '../state/workflow-view.ts';

/** Token usage as a bar: each task's share of the workflow's total (the planning call is the rest), in plan order. */
export function UsageBar({ tasks, total }: { tasks: readonly TaskView[]; total: number }) {
  if (total <= 0) return null;
  const used = tasks.filter((t) => t.usage.totalTokens > 0);
  return (
    <div className="usage" aria-label={`${total} tokens used`}>
      <div className="usage-bar" role="img" aria-label={used.map((t) => `task ${t.key}: ${t.usage.totalTokens} tokens`).join(', ')}>
        {used.map((t) => (
          <span key={t.key} className="usage-seg" style={{ width: `${(t.usage.totalTokens / total) * 100}%` }} title={`#${t.key} @${t.agent}: ${t.usage.totalTokens} tokens`} />
        ))}
      </div>
      <span className="muted">{formatTokens(total)} tokens by task</span>
    </div>
  );
}
