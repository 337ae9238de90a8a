import { spanFigures, wallNow } from '../fake-agent.ts';
import type { BenchTask } from '../graphs.ts';
import { type AgentKind, createBenchAgent } from '../http-agent.ts';
import { callAgent } from './agent-call.ts';
import type { BenchSystem } from './types.ts';

/**
 * RezNet's loop, in memory: take every task whose dependencies are all done,
 * run them together, wait for all of them, repeat. Like RezNet it scans the
 * remaining tasks for ready ones at each wave. No persistence, no events: the
 * loop's cost is the waiting, not the bookkeeping.
 */
export function wavesSystem(kind: AgentKind = 'fake'): BenchSystem {
  const agent = createBenchAgent(kind);
  return {
    name: kind === 'http' ? 'waves-http' : 'waves',
    label: `Wave loop modelled on RezNet's, in memory${kind === 'http' ? '; ChatOpenAI over HTTP' : ''}`,
    timing: 'loop start → last wave done',
    async setup() {
      await agent.start();
    },
    async run(graph) {
      const request = `bench ${graph.name}`;
      const t = wallNow();
      const agentOf = new Map(graph.tasks.map((x) => [x.key, x.agent]));
      const setupMs = wallNow() - t;
      await agent.takeSpan();
      const c0 = process.cpuUsage();
      const t0 = wallNow();
      const outputs = new Map<string, string>();
      let pending: BenchTask[] = graph.tasks;
      while (pending.length > 0) {
        const wave = pending.filter((task) => task.dependsOn.every((d) => outputs.has(d)));
        if (wave.length === 0) throw new Error('waves: nothing ready, but tasks remain');
        const results = await Promise.all(wave.map((task) => callAgent(agent.model, request, task, (k) => ({ agent: agentOf.get(k)!, output: outputs.get(k)! }))));
        wave.forEach((task, i) => outputs.set(task.key, results[i]!));
        pending = pending.filter((task) => !outputs.has(task.key));
      }
      const makespanMs = wallNow() - t0;
      const c = process.cpuUsage(c0);
      const { span, connections } = await agent.takeSpan();
      return {
        makespanMs,
        setupMs,
        ...spanFigures(graph.tasks, span, t0, makespanMs),
        cpuMs: (c.user + c.system) / 1000,
        connections,
      };
    },
    async teardown() {
      await agent.stop();
    },
  };
}
