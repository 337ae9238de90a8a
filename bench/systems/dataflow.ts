import { spanFigures, wallNow } from '../fake-agent.ts';
import { type AgentKind, createBenchAgent } from '../http-agent.ts';
import { callAgent } from './agent-call.ts';
import type { BenchSystem } from './types.ts';

/**
 * The ideal event-driven scheduler, in memory: every task's call starts the
 * moment its last dependency's call returns; nothing stored, no events, no
 * queue. Not a peer (nobody ships this) but a yardstick: over HTTP it makes
 * every call of the graph through the one client, as Baton does, where
 * `floor-http` makes only the critical path's. Baton's distance to it is what
 * Baton's scheduling and persistence cost; its own distance to the floor is
 * what the other calls in flight cost the client (one event loop, two cores).
 */
export function dataflowSystem(kind: AgentKind = 'fake'): BenchSystem {
  const agent = createBenchAgent(kind);
  return {
    name: kind === 'http' ? 'dataflow-http' : 'dataflow',
    label: `Ideal event-driven scheduler in memory (a yardstick, not a peer)${kind === 'http' ? '; ChatOpenAI over HTTP' : ''}`,
    timing: 'first calls issued → last call returned',
    async setup() {
      await agent.start();
    },
    async run(graph) {
      const request = `bench ${graph.name}`;
      const agentOf = new Map(graph.tasks.map((x) => [x.key, x.agent]));
      const dependents = new Map<string, string[]>();
      for (const t of graph.tasks) for (const d of t.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), t.key]);
      const byKey = new Map(graph.tasks.map((t) => [t.key, t]));
      await agent.takeSpan();
      const c0 = process.cpuUsage();
      const t0 = wallNow();
      const outputs = new Map<string, string>();
      const waiting = new Map(graph.tasks.map((t) => [t.key, t.dependsOn.length]));
      await new Promise<void>((done, fail) => {
        const start = (key: string) => {
          const task = byKey.get(key)!;
          callAgent(agent.model, request, task, (k) => ({ agent: agentOf.get(k)!, output: outputs.get(k)! })).then((text) => {
            outputs.set(key, text);
            if (outputs.size === graph.tasks.length) return done();
            for (const next of dependents.get(key) ?? []) {
              const left = waiting.get(next)! - 1;
              waiting.set(next, left);
              if (left === 0) start(next);
            }
          }, fail);
        };
        for (const t of graph.tasks) if (t.dependsOn.length === 0) start(t.key);
      });
      const makespanMs = wallNow() - t0;
      const c = process.cpuUsage(c0);
      const { span, connections } = await agent.takeSpan();
      return { makespanMs, setupMs: 0, ...spanFigures(graph.tasks, span, t0, makespanMs), cpuMs: (c.user + c.system) / 1000, connections };
    },
    async teardown() {
      await agent.stop();
    },
  };
}
