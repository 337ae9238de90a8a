import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { TaskView } from '../state/workflow-view.ts';
import { formatMs } from './format.ts';

export type TaskNodeData = { task: TaskView; critical: boolean; selected: boolean; onSelect: (key: string) => void };
export type TaskNodeType = Node<TaskNodeData, 'task'>;

/**
 * One task on the DAG: key, agent, status (colour and text), attempts, duration.
 * `data-task-key` and `data-status` (the GraphQL TaskStatus) are a contract with the browser tests.
 * Cost and approval buttons join here once the schema has them.
 */
export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskNodeType>) {
  const { task: t, critical, selected, onSelect } = data;
  return (
    <div className={`task-node status-border-${t.status.toLowerCase()}${critical ? ' critical' : ''}${selected ? ' selected' : ''}`} data-task-key={t.key} data-status={t.status}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <button type="button" className="task-select" aria-pressed={selected} aria-label={`Task ${t.key}, ${t.agent}, ${t.status.toLowerCase()}`} onClick={() => onSelect(t.key)}>
        <span className="task-head">
          <span className="task-key">#{t.key}</span>
          <span className="task-agent">@{t.agent}</span>
        </span>
        <span className="task-desc" title={t.description}>
          {t.description}
        </span>
        <span className="task-foot">
          <span className={`status status-${t.status.toLowerCase()}`}>{t.status.toLowerCase()}</span>
          <span className="muted">
            {t.attempts > 0 ? `try ${t.attempts}` : ''}
            {t.durationMs !== null ? ` · ${formatMs(t.durationMs)}` : ''}
          </span>
        </span>
      </button>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
