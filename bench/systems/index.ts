import { batonSystem } from './baton.ts';
import { langgraphSystem } from './langgraph.ts';
import type { BenchSystem } from './types.ts';
import { wavesSystem } from './waves.ts';

/** Every system the bench knows, in the order of the table. */
export const SYSTEMS: Record<string, () => BenchSystem> = {
  'baton-embedded': () => batonSystem('embedded'),
  'baton-redis-1w': () => batonSystem('redis', 1),
  'baton-redis-2w': () => batonSystem('redis', 2),
  'langgraph-memory': () => langgraphSystem('none'),
  'langgraph-sqlite': () => langgraphSystem('sqlite'),
  'langgraph-postgres': () => langgraphSystem('postgres'),
  waves: () => wavesSystem(),
};

export const SYSTEM_ORDER = Object.keys(SYSTEMS);
