/**
 * One child process of the bench: sets up a system, runs the given graphs up
 * to `runs` times each, tears it down, and prints one `RESULT {json}` line per
 * graph on stdout; `--plan={"system":["graph",…],…}` does that for several
 * systems in turn (quick mode: one process start instead of one per system).
 * `latency500`, `latency5000` and `sse500` run `--latency-graph` (default rand100)
 * while 500 / 5,000 graphql-ws clients or 500 SSE clients watch it (Baton only).
 *
 * Graphs of up to 500 tasks with waiting agents get one untimed warm-up run first (not in quick mode).
 *
 * Time limits, so that the whole bench keeps to its budget:
 * - a graph is run again only while its runs so far took less than `--graph-budget-s`;
 * - a graph is skipped when its first run is predicted to take more than
 *   `--max-run-s` (instant10000 from instant1000's time per task), or would pass `--deadline`.
 *   node --import tsx bench/case.ts --system=baton-embedded --graphs=auth8,rand100 --runs=3
 */
import { setMaxListeners } from 'node:events';
import { GRAPHS } from './graphs.ts';
import { LATENCY_CASES } from './latency-cases.ts';
import { median, rssSampler } from './infra.ts';
import { SYSTEMS } from './systems/index.ts';
import type { BenchSystem, RunResult } from './systems/types.ts';

// LangGraph adds an abort listener per node to one signal; the warning is noise here.
setMaxListeners(100_000);

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const plan: Record<string, string[]> = arg('plan')
  ? (JSON.parse(arg('plan')!) as Record<string, string[]>)
  : { [arg('system') ?? 'baton-embedded']: (arg('graphs') ?? 'auth8').split(',') };
const latencyGraph = arg('latency-graph') ?? 'rand100';
const runs = Number(arg('runs') ?? 3);
/** Graphs up to this size (with waiting agents) get an untimed run before the timed ones. */
const WARM_UP_MAX_TASKS = 500;
const graphBudgetMs = Number(arg('graph-budget-s') ?? 60) * 1000;
const maxRunMs = Number(arg('max-run-s') ?? 120) * 1000;
const deadline = Number(arg('deadline') ?? Infinity);

const rss = rssSampler();
const emit = (o: unknown) => process.stdout.write(`RESULT ${JSON.stringify(o)}\n`);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
for (const [systemName, graphs] of Object.entries(plan)) {
  const make = SYSTEMS[systemName];
  if (!make) throw new Error(`unknown system ${systemName}; known: ${Object.keys(SYSTEMS).join(', ')}`);
  await runSystem(make(), graphs);
}
rss.stop();
process.exit(0);

async function runSystem(system: BenchSystem, graphs: string[]) {
  /** Time per task of the instant graphs run so far, to predict the larger one. */
  const perTask: Record<string, number> = {};

  function predictMs(name: string, tasks: number): number | undefined {
    if (name === 'instant10000' && perTask.instant1000 !== undefined) return perTask.instant1000 * tasks;
    return undefined;
  }

  try {
    const t = performance.now();
    await system.setup();
    const setupS = (performance.now() - t) / 1000;
    for (const name of graphs) {
      gc();
      rss.take();
      const info = { system: system.name, label: system.label, timing: system.timing, graph: name, setupS };
      const latencyCase = LATENCY_CASES[name];
      if (latencyCase) {
        if (!system.latency) continue;
        if (Date.now() + 15_000 > deadline) {
          emit({ ...info, kind: 'latency', skipped: 'the bench time budget ran out', results: [] });
          continue;
        }
        const graph = GRAPHS[latencyGraph]!();
        const results = [];
        const began = performance.now();
        for (let i = 0; i < runs; i++) {
          results.push(await system.latency(graph, latencyCase.subscribers, latencyCase.transport));
          const x = results.at(-1)!;
          process.stderr.write(
            `  ${system.name} ${name} run ${i + 1}/${runs}: p50 ${x.p50Ms.toFixed(1)} ms, p99 ${x.p99Ms.toFixed(1)} ms, run ${x.runMakespanMs?.toFixed(0)} ms, delivered ${x.makespanMs.toFixed(0)} ms, CPU ${x.cpuMs?.toFixed(0)} ms (clients ${x.clientCpuMs?.toFixed(0)} ms), ` +
              `${x.incomplete} incomplete / ${x.errors} errors, ${((x.rssPerSubscriber ?? NaN) / 1024).toFixed(1)} KB RSS per subscriber\n`,
          );
          const spent = performance.now() - began;
          if (spent > graphBudgetMs || Date.now() + spent / (i + 1) > deadline) break;
        }
        emit({ ...info, kind: 'latency', latencyGraph, results, peakRss: rss.take() });
        continue;
      }
      const makeGraph = GRAPHS[name];
      if (!makeGraph) throw new Error(`unknown graph ${name}; known: ${Object.keys(GRAPHS).join(', ')}`);
      const graph = makeGraph();
      const predicted = predictMs(name, graph.tasks.length);
      if (predicted !== undefined && predicted > maxRunMs) {
        emit({
          ...info,
          kind: 'graph',
          results: [],
          skipped: `one run predicted at ${(predicted / 1000).toFixed(0)} s (from instant1000), over the ${maxRunMs / 1000} s limit per run`,
          predictedMs: predicted,
        });
        continue;
      }
      if (predicted !== undefined && Date.now() + predicted > deadline) {
        emit({ ...info, kind: 'graph', results: [], skipped: `one run predicted at ${(predicted / 1000).toFixed(0)} s; the bench time budget ran out`, predictedMs: predicted });
        continue;
      }
      if (Date.now() > deadline) {
        emit({ ...info, kind: 'graph', results: [], skipped: 'the bench time budget ran out' });
        continue;
      }
      // Small graphs get one untimed run first, in every system alike: connection pools, prepared
      // statements and JIT warm up on the graph itself, so the timed runs measure scheduling only.
      if (runs > 1 && graph.tasks.length <= WARM_UP_MAX_TASKS && !graph.instant) {
        await system.run(graph);
        process.stderr.write(`  ${system.name} ${name}: warm-up run (not counted)\n`);
      }
      const results: RunResult[] = [];
      const began = performance.now();
      for (let i = 0; i < runs; i++) {
        const r = await system.run(graph);
        const expected = system.expectedCalls?.(graph) ?? graph.tasks.length;
        if (r.calls !== expected) throw new Error(`${system.name} on ${name}: ${r.calls} model calls, expected ${expected}`);
        results.push(r);
        process.stderr.write(`  ${system.name} ${name} run ${i + 1}/${runs}: ${r.makespanMs.toFixed(0)} ms\n`);
        const spent = performance.now() - began;
        const next = spent / (i + 1);
        if (spent + next > graphBudgetMs || Date.now() + next > deadline) break;
      }
      if (graph.instant) perTask[name] = median(results.map((r) => r.makespanMs)) / graph.tasks.length;
      emit({ ...info, kind: 'graph', results, peakRss: rss.take() });
    }
  } finally {
    await system.teardown();
  }
}
