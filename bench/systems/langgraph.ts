import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { spanFigures, wallNow } from '../fake-agent.ts';
import { type BenchGraph, warmUpGraph } from '../graphs.ts';
import { type AgentKind, createBenchAgent } from '../http-agent.ts';
import { freshDatabase } from '../infra.ts';
import { callAgent } from './agent-call.ts';
import type { BenchSystem } from './types.ts';

export type Checkpointer = 'none' | 'sqlite' | 'postgres';

/**
 * State: every task's output by key. The reducer returns a new object, as
 * LangGraph's docs do: a checkpointer may serialize a step's state after the
 * next step began (durability "async", the default), so mutating it in place
 * would be unsafe. The in-memory variant uses the same reducer, so the two
 * LangGraph rows differ only by the checkpointer.
 */
const State = Annotation.Root({
  out: Annotation<Record<string, string>>({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
});

/** One node per task; an edge from each dependency; fan-in with addEdge([deps], node); leaves to END. */
export function buildLangGraph(graph: BenchGraph, model: BaseChatModel) {
  const request = `bench ${graph.name}`;
  const agentOf = new Map(graph.tasks.map((t) => [t.key, t.agent]));
  const hasDependents = new Set(graph.tasks.flatMap((t) => t.dependsOn));
  // Node names must not collide with state keys; "t<key>".
  const node = (k: string) => `t${k}`;
  // The builder's types track node names literally; with names made at run time they are plain strings.
  const b = new StateGraph(State) as unknown as {
    addNode(name: string, fn: (s: typeof State.State) => Promise<Partial<typeof State.State>>): void;
    addEdge(from: string | string[], to: string): void;
    compile(o: { checkpointer?: BaseCheckpointSaver }): { invoke(input: unknown, config: unknown): Promise<typeof State.State> };
  };
  for (const t of graph.tasks) {
    b.addNode(node(t.key), async (s) => {
      const text = await callAgent(model, request, t, (k) => ({ agent: agentOf.get(k)!, output: s.out[k] ?? '' }));
      return { out: { [t.key]: text } };
    });
  }
  for (const t of graph.tasks) {
    if (t.dependsOn.length === 0) b.addEdge(START, node(t.key));
    else if (t.dependsOn.length === 1) b.addEdge(node(t.dependsOn[0]!), node(t.key));
    else b.addEdge(t.dependsOn.map(node), node(t.key));
    if (!hasDependents.has(t.key)) b.addEdge(node(t.key), END);
  }
  return b;
}

export function langgraphSystem(checkpointer: Checkpointer, kind: AgentKind = 'fake'): BenchSystem {
  const agent = createBenchAgent(kind);
  let saver: BaseCheckpointSaver | undefined;
  let cleanup: Array<() => Promise<unknown>> = [];
  let thread = 0;
  const labels: Record<Checkpointer, string> = {
    none: 'LangGraph JS 1.7.3, in memory (no checkpointer)',
    sqlite: 'LangGraph JS 1.7.3 + SqliteSaver (WAL, synchronous=NORMAL as Baton)',
    postgres: 'LangGraph JS 1.7.3 + PostgresSaver',
  };
  return {
    name: `langgraph-${checkpointer === 'none' ? 'memory' : checkpointer}${kind === 'http' ? '-http' : ''}`,
    label: `${labels[checkpointer]}${kind === 'http' ? '; ChatOpenAI over HTTP' : ''}`,
    timing: 'invoke() call → invoke() returns',
    async setup() {
      await agent.start();
      if (checkpointer === 'sqlite') {
        const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
        const dir = mkdtempSync(join(tmpdir(), 'langgraph-bench-'));
        cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
        const s = SqliteSaver.fromConnString(join(dir, 'checkpoints.sqlite'));
        // Same durability as Baton's SQLite: WAL with synchronous=NORMAL (the saver sets WAL itself).
        (s as unknown as { db: { pragma(p: string): unknown } }).db.pragma('synchronous = NORMAL');
        saver = s;
      } else if (checkpointer === 'postgres') {
        const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
        const db = await freshDatabase('lg');
        const s = PostgresSaver.fromConnString(db.url);
        // An idle pooled connection ended by the database's drop at teardown reports an error on the
        // pool; without a listener that event would crash the bench process after its figures.
        (s as unknown as { pool: { on(event: 'error', f: (err: unknown) => void): void } }).pool.on('error', () => {});
        await s.setup();
        cleanup.push(async () => {
          await s.end();
          await db.drop();
        });
        saver = s;
      }
      // Warm-up.
      const warm = buildLangGraph(warmUpGraph(), agent.model).compile({ checkpointer: saver });
      await warm.invoke({}, { configurable: { thread_id: `warm-${thread++}` } });
      await agent.takeSpan();
    },
    async run(graph) {
      const t = wallNow();
      const app = buildLangGraph(graph, agent.model).compile({ checkpointer: saver });
      const setupMs = wallNow() - t;
      await agent.takeSpan();
      const c0 = process.cpuUsage();
      const t0 = wallNow();
      const state = await app.invoke({}, { configurable: { thread_id: `run-${thread++}` }, recursionLimit: graph.tasks.length + 10 });
      const makespanMs = wallNow() - t0;
      const c = process.cpuUsage(c0);
      const { span, connections } = await agent.takeSpan();
      const done = Object.keys(state.out).length;
      if (done !== graph.tasks.length) throw new Error(`langgraph: ${done} of ${graph.tasks.length} tasks have an output`);
      return {
        makespanMs,
        setupMs,
        ...spanFigures(graph.tasks, span, t0, makespanMs),
        cpuMs: (c.user + c.system) / 1000,
        connections,
      };
    },
    async teardown() {
      for (const c of cleanup.reverse()) await c().catch((err) => console.error('langgraph: cleanup failed', err));
      cleanup = [];
      await agent.stop();
    },
  };
}
