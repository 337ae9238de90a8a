import { criticalPath } from '../../src/planning/dag.ts';
import { spanFigures, wallNow } from '../fake-agent.ts';
import type { BenchGraph } from '../graphs.ts';
import { createBenchAgent } from '../http-agent.ts';
import { callAgent } from './agent-call.ts';
import type { BenchSystem } from './types.ts';

/** The tasks of a graph's critical path, first to last (the same path `criticalPathMs` sums). */
export function criticalTasks(graph: BenchGraph) {
  const byKey = new Map(graph.tasks.map((t) => [t.key, t]));
  return criticalPath(graph.tasks, (k) => byKey.get(k)!.durationMs).path.map((k) => byKey.get(k)!);
}

/** The path as a chain (each call waits for the one before), so "ready → model call" is measured along it. */
const chain = (path: BenchGraph['tasks']) => path.map((t, i) => ({ ...t, dependsOn: i === 0 ? [] : [path[i - 1]!.key] }));

/**
 * The floor under the HTTP variants: the critical path's model calls made one
 * after another through the same ChatOpenAI client against the same server,
 * with the prompts the scheduled runs send (each task's dependency outputs
 * included), and nothing scheduled or stored. No system can finish the graph
 * sooner on this machine with this client; makespan ÷ this floor is what the
 * scheduling and persistence of each system cost on top.
 */
export function httpFloorSystem(): BenchSystem {
  const agent = createBenchAgent('http');
  return {
    name: 'floor-http',
    label: "Floor: the critical path's calls one after another through ChatOpenAI over HTTP, nothing scheduled or stored",
    timing: 'first call issued → last call returned',
    async setup() {
      await agent.start();
    },
    expectedCalls: (graph) => criticalTasks(graph).length,
    async run(graph) {
      const request = `bench ${graph.name}`;
      const t = wallNow();
      const path = criticalTasks(graph);
      const agentOf = new Map(graph.tasks.map((x) => [x.key, x.agent]));
      const setupMs = wallNow() - t;
      await agent.takeSpan();
      const c0 = process.cpuUsage();
      const t0 = wallNow();
      // Every dependency's output is what the model server answers for it, so the prompts match a scheduled run's.
      for (const task of path) await callAgent(agent.model, request, task, (k) => ({ agent: agentOf.get(k)!, output: `output of task ${k}` }));
      const makespanMs = wallNow() - t0;
      const c = process.cpuUsage(c0);
      const { span, connections } = await agent.takeSpan();
      return { makespanMs, setupMs, ...spanFigures(chain(path), span, t0, makespanMs), cpuMs: (c.user + c.system) / 1000, connections };
    },
    async teardown() {
      await agent.stop();
    },
  };
}
