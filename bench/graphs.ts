import { criticalPath } from '../src/planning/dag.ts';

/**
 * The graphs every system runs. A task's duration is written into its
 * description as `[d=NNN]`, so the fake agent (bench/fake-agent.ts) knows how
 * long to take in any process, including BullMQ workers, without shared state.
 */
export interface BenchTask {
  key: string;
  agent: string;
  description: string;
  dependsOn: string[];
  durationMs: number;
}

export interface BenchGraph {
  name: string;
  title: string;
  tasks: BenchTask[];
  /** Longest chain of summed durations: the best possible makespan with unbounded width. */
  criticalPathMs: number;
  /** Makespan of a wave loop (every ready task together, wait for all, repeat), computed. */
  wavesMs: number;
  /** Instant agents: the figure is overhead per task, not makespan ÷ critical path. */
  instant: boolean;
}

const AGENTS = ['backend', 'frontend', 'qa', 'devops'];

const task = (key: string, agent: string, dependsOn: string[], durationMs: number): BenchTask => ({
  key,
  agent,
  dependsOn,
  durationMs,
  description: `bench task ${key} [d=${durationMs}]`,
});

/** Deterministic PRNG (mulberry32): the same seed gives the same graph on every machine. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makespan of RezNet's loop, computed: each wave lasts as long as its slowest task. */
export function wavesMakespan(tasks: BenchTask[]): number {
  const done = new Set<string>();
  let left = [...tasks];
  let total = 0;
  while (left.length > 0) {
    const wave = left.filter((t) => t.dependsOn.every((d) => done.has(d)));
    if (wave.length === 0) throw new Error('cycle');
    total += Math.max(...wave.map((t) => t.durationMs));
    for (const t of wave) done.add(t.key);
    left = left.filter((t) => !done.has(t.key));
  }
  return total;
}

function finish(name: string, title: string, tasks: BenchTask[], instant = false): BenchGraph {
  const durations = new Map(tasks.map((t) => [t.key, t.durationMs]));
  const cp = criticalPath(tasks, (k) => durations.get(k)!).length;
  return { name, title, tasks, criticalPathMs: cp, wavesMs: wavesMakespan(tasks), instant };
}

/** The engine issue's 8-task auth DAG: critical path 1→2→6→7→8 = 650 ms, waves 1,050 ms. */
export function authDag(): BenchGraph {
  const d: Record<string, number> = { '1': 100, '2': 300, '3': 100, '4': 500, '5': 50, '6': 100, '7': 100, '8': 50 };
  const deps: Record<string, string[]> = { '1': [], '2': ['1'], '3': ['1'], '4': [], '5': [], '6': ['2', '3'], '7': ['4', '5', '6'], '8': ['7'] };
  const agent: Record<string, string> = { '1': 'backend', '2': 'backend', '3': 'backend', '4': 'frontend', '5': 'frontend', '6': 'qa', '7': 'qa', '8': 'devops' };
  return finish(
    'auth8',
    'auth DAG, 8 tasks',
    Object.keys(d).map((k) => task(k, agent[k]!, deps[k]!, d[k]!)),
  );
}

/**
 * A seeded random layered DAG: `n` tasks in layers of `width`; each task after
 * the first layer depends on 1–3 tasks of the layer before and, one time in
 * five, on one more from any earlier layer. Durations are uniform in
 * [minMs, maxMs] (0 for instant agents).
 */
export function layeredDag(name: string, title: string, n: number, width: number, seed: number, minMs: number, maxMs: number): BenchGraph {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const tasks: BenchTask[] = [];
  const layers: string[][] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    if (!layers[layer]) layers.push([]);
    const key = String(i + 1);
    const deps = new Set<string>();
    if (layer > 0) {
      const prev = layers[layer - 1]!;
      const k = 1 + Math.floor(r() * 3);
      for (let j = 0; j < k; j++) deps.add(pick(prev));
      if (layer > 1 && r() < 0.2) deps.add(pick(layers[Math.floor(r() * (layer - 1))]!));
    }
    const d = maxMs === 0 ? 0 : minMs + Math.floor(r() * (maxMs - minMs + 1));
    tasks.push(task(key, pick(AGENTS), [...deps], d));
    layers[layer]!.push(key);
  }
  return finish(name, title, tasks, maxMs === 0);
}

/** 1 → n → 1: one task, n that depend on it (durations 10–200 ms, seeded), one that depends on all of them. */
export function fanOutIn(n: number, seed: number): BenchGraph {
  const r = rng(seed);
  const tasks = [task('1', 'backend', [], 50)];
  const middle: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = String(i + 2);
    middle.push(key);
    tasks.push(task(key, AGENTS[i % AGENTS.length]!, ['1'], 10 + Math.floor(r() * 191)));
  }
  tasks.push(task(String(n + 2), 'qa', middle, 50));
  return finish(`fan${n}`, `fan-out/fan-in 1→${n}→1`, tasks);
}

/** One instant task: each system's warm-up (first calls, connections, JIT) before it is measured. */
export const warmUpGraph = (): BenchGraph => finish('warm-up', 'warm-up', [task('1', 'backend', [], 0)], true);

export const GRAPHS: Record<string, () => BenchGraph> = {
  auth8: authDag,
  rand100: () => layeredDag('rand100', 'random layered, 100 tasks', 100, 10, 100, 10, 200),
  rand1000: () => layeredDag('rand1000', 'random layered, 1,000 tasks', 1000, 50, 1000, 10, 200),
  fan500: () => fanOutIn(500, 500),
  instant1000: () => layeredDag('instant1000', 'instant agents, 1,000 tasks', 1000, 100, 1001, 0, 0),
  instant10000: () => layeredDag('instant10000', 'instant agents, 10,000 tasks', 10000, 100, 10001, 0, 0),
};

export const GRAPH_ORDER = Object.keys(GRAPHS);
