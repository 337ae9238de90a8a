import { Background, Controls, MarkerType, Position, ReactFlow, type Edge, type NodeHandle } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { TaskDecision } from '../state/actions.ts';
import { NODE_H, NODE_W, layoutDag } from '../state/layout.ts';
import type { TaskView } from '../state/workflow-view.ts';
import { TaskNode, type TaskNodeType } from './TaskNode.tsx';

const nodeTypes = { task: TaskNode };

/**
 * Nodes have a fixed size (styles.css draws them so), given to React Flow with their handles: it
 * shows a node only once it knows its size, and the nodes are rebuilt on every streamed chunk.
 */
const MEASURED = { width: NODE_W, height: NODE_H };
const HANDLES: NodeHandle[] = [
  { type: 'target', position: Position.Left, x: 0, y: NODE_H / 2, width: 1, height: 1 },
  { type: 'source', position: Position.Right, x: NODE_W - 1, y: NODE_H / 2, width: 1, height: 1 },
];

/** The plan's shape only: layout runs again when tasks or dependencies change, not on every status. */
const shapeOf = (tasks: readonly TaskView[]) => JSON.stringify(tasks.map((t) => [t.key, t.dependsOn]));

const NONE: readonly TaskDecision[] = [];

/**
 * The DAG, left to right; edges from dependencies; the critical path highlighted when given; on each
 * node the decisions it awaits and the server's error naming it.
 */
export function Dag({
  tasks,
  critical,
  selected,
  onSelect,
  decisionsFor = () => NONE,
  onDecide = async () => false,
  errors = {},
}: {
  tasks: readonly TaskView[];
  critical: readonly string[];
  selected: string | null;
  onSelect: (key: string) => void;
  decisionsFor?: (task: TaskView) => readonly TaskDecision[];
  onDecide?: (task: TaskView, decision: TaskDecision, text: string) => Promise<boolean>;
  errors?: Readonly<Record<string, string>>;
}) {
  /** The one feedback or reason form open, on its node. */
  const [form, setForm] = useState<{ key: string; decision: TaskDecision } | null>(null);
  const onForm = useCallback((key: string, decision: TaskDecision | null) => setForm(decision ? { key, decision } : null), []);
  const shape = shapeOf(tasks);
  const [laid, setLaid] = useState<{ shape: string; at: Map<string, { x: number; y: number }> } | null>(null);
  const positions = laid?.shape === shape ? laid.at : null;

  useEffect(() => {
    let live = true;
    void layoutDag(JSON.parse(shape).map(([key, dependsOn]: [string, string[]]) => ({ key, dependsOn }))).then((at) => live && setLaid({ shape, at }));
    return () => {
      live = false;
    };
  }, [shape]);

  const onPath = useMemo(() => new Set(critical), [critical]);
  const nodes: TaskNodeType[] = tasks.map((task) => ({
    id: task.key,
    type: 'task',
    position: positions?.get(task.key) ?? { x: 0, y: 0 },
    data: {
      task,
      critical: onPath.has(task.key),
      selected: selected === task.key,
      onSelect,
      decisions: decisionsFor(task),
      error: errors[task.key] ?? null,
      form: form?.key === task.key ? form.decision : null,
      onForm,
      onDecide,
    },
    // The node with an open form is drawn above its neighbours (the form hangs below it).
    zIndex: form?.key === task.key ? 1000 : 0,
    draggable: false,
    selectable: false,
    width: NODE_W,
    height: NODE_H,
    measured: MEASURED,
    handles: HANDLES,
  }));
  const edges: Edge[] = tasks.flatMap((t) =>
    t.dependsOn.map((d) => {
      const hot = onPath.has(d) && onPath.has(t.key) && critical.indexOf(t.key) === critical.indexOf(d) + 1;
      return {
        id: `${d}->${t.key}`,
        source: d,
        target: t.key,
        className: hot ? 'critical' : undefined,
        animated: t.status === 'RUNNING',
        markerEnd: { type: MarkerType.ArrowClosed },
      };
    }),
  );

  if (!positions) return <div className="dag loading">Laying out…</div>;
  return (
    <div className="dag" aria-label="Task graph">
      <ReactFlow
        key={shape}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        // A small plan is not blown up past its natural size (its forms would not fit the canvas).
        fitViewOptions={{ maxZoom: 1 }}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        colorMode="system"
        proOptions={{ hideAttribution: true }}
        minZoom={0.2}
        deleteKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={null}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
