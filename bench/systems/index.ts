import { batonSystem } from './baton.ts';
import { dataflowSystem } from './dataflow.ts';
import { httpFloorSystem } from './http-floor.ts';
import { langgraphSystem } from './langgraph.ts';
import type { BenchSystem } from './types.ts';
import { wavesSystem } from './waves.ts';

/** Every system the bench knows, in the order of the table; `…-http` variants call ChatOpenAI against bench/model-server.ts. */
export const SYSTEMS: Record<string, () => BenchSystem> = {
  'baton-embedded': () => batonSystem('embedded'),
  'baton-redis-1w': () => batonSystem('redis', 1),
  'baton-redis-2w': () => batonSystem('redis', 2),
  'langgraph-memory': () => langgraphSystem('none'),
  'langgraph-sqlite': () => langgraphSystem('sqlite'),
  'langgraph-postgres': () => langgraphSystem('postgres'),
  waves: () => wavesSystem(),
  dataflow: () => dataflowSystem(),
  'floor-http': () => httpFloorSystem(),
  'baton-embedded-http': () => batonSystem('embedded', 1, 'http'),
  'baton-redis-1w-http': () => batonSystem('redis', 1, 'http'),
  'baton-redis-2w-http': () => batonSystem('redis', 2, 'http'),
  'langgraph-memory-http': () => langgraphSystem('none', 'http'),
  'langgraph-sqlite-http': () => langgraphSystem('sqlite', 'http'),
  'langgraph-postgres-http': () => langgraphSystem('postgres', 'http'),
  'waves-http': () => wavesSystem('http'),
  'dataflow-http': () => dataflowSystem('http'),
};

export const SYSTEM_ORDER = Object.keys(SYSTEMS);
/** The HTTP variants and their floor: `npm run bench -- --http`. */
export const HTTP_SYSTEMS = SYSTEM_ORDER.filter((s) => s.endsWith('-http'));
export const isHttpSystem = (s: string) => s.endsWith('-http');
