import ELK from 'elkjs/lib/elk.bundled.js';

/** Node size on the canvas (px); the node component is drawn to fit. */
export const NODE_W = 210;
export const NODE_H = 136;

const elk = new ELK();

/**
 * Positions for a DAG laid out left to right (ELK's layered algorithm): dependencies to the left of
 * their dependents. Keys that are not tasks are ignored in edges (a plan validated by the server has none).
 */
export async function layoutDag(tasks: ReadonlyArray<{ key: string; dependsOn: readonly string[] }>): Promise<Map<string, { x: number; y: number }>> {
  const keys = new Set(tasks.map((t) => t.key));
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '28',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: tasks.map((t) => ({ id: t.key, width: NODE_W, height: NODE_H })),
    edges: tasks.flatMap((t) => t.dependsOn.filter((d) => keys.has(d)).map((d) => ({ id: `${d}->${t.key}`, sources: [d], targets: [t.key] }))),
  });
  return new Map((graph.children ?? []).map((n) => [n.id, { x: n.x ?? 0, y: n.y ?? 0 }]));
}
