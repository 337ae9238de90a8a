/**
 * `npm run bench` — Baton against LangGraph JS and RezNet's wave loop, on the
 * same graphs with the same fake agents. Each system runs in its own child
 * process (bench/case.ts); this file schedules them within the time budget,
 * takes medians, and writes bench/results/<name>.{md,json}.
 *
 *   npm run bench                      full: 3 runs per figure, about 10 minutes at most
 *   npm run bench -- --quick           1 run, fewer systems and graphs, under a minute
 *   npm run bench -- --only=baton-embedded,waves [--graphs=auth8,rand100] [--runs=5]
 *   npm run bench -- --http            the real ChatOpenAI client against a local server, and the floor, about 4 minutes
 *
 * Full runs write results.{md,json}, quick ones quick.{md,json}, anything
 * narrowed with --only/--graphs/--runs partial.{md,json}, --http http.{md,json}.
 * Any `…-http` system brings `floor-http` along: its figures are relative to it.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GRAPHS } from './graphs.ts';
import { median, PG_ADMIN_URL, REDIS_URL } from './infra.ts';
import { HTTP_SYSTEMS, isHttpSystem, SYSTEM_ORDER } from './systems/index.ts';
import type { LatencyResult, RunResult } from './systems/types.ts';
import { renderMarkdown } from './report.ts';
import { isLatencyCase } from './latency-cases.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const http = args.includes('--http');
const only = flag('only')?.split(',');
const graphsFlag = flag('graphs')?.split(',');
const runsFlag = flag('runs');

const FULL_GRAPHS = ['auth8', 'rand100', 'instant1000', 'instant10000', 'fan500', 'rand1000', 'latency500', 'sse500', 'latency5000'];
/** The HTTP variants' graphs (`--http`): the issue's goal is stated on these two. */
const HTTP_GRAPHS = ['auth8', 'rand100'];
/**
 * Left out of the full run because one run alone would take most of the
 * budget (measured on this machine, 2 cores); run them on their own with
 * `--only=… --graphs=instant10000 --runs=1`.
 */
const FULL_SKIPS: Record<string, Record<string, string>> = Object.fromEntries(
  ['langgraph-memory', 'langgraph-sqlite', 'langgraph-postgres'].map((s) => [
    s,
    {
      instant10000:
        'LangGraph grows faster than linearly: one in-memory run measured 88 s to build and compile the 10,000-node graph ' +
        'and 146 s to invoke it (14.6 ms/task against 2–3 ms/task at 1,000), beyond the time budget',
    },
  ]),
);
/** Event delivery is measured in memory and in Redis mode. */
const LATENCY_SYSTEMS = new Set(['baton-embedded', 'baton-redis-1w']);
/**
 * Quick mode: one process runs these in turn, once each, to show that every
 * path works and roughly where it stands. It leaves out the slowest set-ups
 * (two worker processes, a second durable checkpointer) and slow graphs.
 */
const QUICK_PLAN: Record<string, string[]> = {
  waves: ['auth8', 'rand100', 'instant1000'],
  'langgraph-memory': ['auth8', 'rand100', 'instant1000'],
  'baton-embedded': ['auth8', 'rand100', 'instant1000', 'latency500'],
  'langgraph-sqlite': ['auth8', 'rand100', 'instant1000'],
  'baton-redis-1w': ['auth8'],
};
/** Run order: the cheap systems first, so the budget left over flows to the slow ones. */
const RUN_ORDER = ['waves', 'dataflow', 'langgraph-memory', 'baton-embedded', 'langgraph-sqlite', 'langgraph-postgres', 'baton-redis-1w', 'baton-redis-2w'];
const HTTP_RUN_ORDER = ['floor-http', ...RUN_ORDER.map((s) => `${s}-http`)];

const settings = quick
  ? { budgetS: 52, runs: 1, graphBudgetS: 6, maxRunS: 8, name: 'quick' }
  : http
    ? { budgetS: 300, runs: 3, graphBudgetS: 20, maxRunS: 60, name: 'http' }
    : { budgetS: 560, runs: 3, graphBudgetS: 40, maxRunS: 60, name: 'results' };
if (only || graphsFlag || runsFlag) settings.name = 'partial';
if (quick && http) throw new Error('--quick and --http are separate sets; pick one');
const runs = Number(runsFlag ?? settings.runs);
for (const s of only ?? []) if (!SYSTEM_ORDER.includes(s)) throw new Error(`unknown system ${s}; known: ${SYSTEM_ORDER.join(', ')}`);
for (const g of graphsFlag ?? [])
  if (!GRAPHS[g] && !isLatencyCase(g)) throw new Error(`unknown graph ${g}; known: ${Object.keys(GRAPHS).join(', ')}, latency500, latency5000, sse500`);

export interface CaseLine {
  system: string;
  label?: string;
  timing?: string;
  graph: string;
  kind: 'graph' | 'latency';
  results: Array<RunResult | LatencyResult>;
  peakRss?: number;
  setupS?: number;
  skipped?: string;
  predictedMs?: number;
  latencyGraph?: string;
}

async function reachable(url: string) {
  const u = new URL(url);
  const net = await import('node:net');
  return new Promise<boolean>((done) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port) }, () => (s.end(), done(true)));
    s.on('error', () => done(false));
    s.setTimeout(1000, () => (s.destroy(), done(false)));
  });
}

function runCase(plan: Record<string, string[]>, deadline: number): Promise<{ lines: CaseLine[]; error?: string }> {
  const system = Object.keys(plan).join(',');
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--expose-gc',
        resolve(here, 'case.ts'),
        `--plan=${JSON.stringify(plan)}`,
        `--runs=${runs}`,
        `--latency-graph=${quick ? 'auth8' : 'rand100'}`,
        `--graph-budget-s=${settings.graphBudgetS}`,
        `--max-run-s=${settings.maxRunS}`,
        `--deadline=${deadline}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: CaseLine[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('RESULT ')) lines.push(JSON.parse(line.slice(7)) as CaseLine);
        else if (line.trim()) process.stderr.write(`  [${system}] ${line}\n`);
      }
    });
    // A run cannot be cut short from outside; past the deadline (plus a margin for the run in flight and teardown) the child is ended.
    const kill = Number.isFinite(deadline) ? setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadline - Date.now()) + 45_000) : undefined;
    child.on('exit', (code, signal) => {
      clearTimeout(kill);
      done({ lines, error: code === 0 ? undefined : `exited with ${signal ?? code}` });
    });
  });
}

const started = Date.now();
const meta = {
  date: new Date().toISOString(),
  mode: settings.name,
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  node: process.version,
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  loadAverageAtEnd: [] as number[],
  git: (() => {
    try {
      const sha = execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();
      const dirty = execSync('git status --porcelain -- src', { cwd: here }).toString().trim() !== '';
      return dirty ? `${sha} (src/ has uncommitted changes)` : sha;
    } catch {
      return 'unknown';
    }
  })(),
  runsPerFigure: runs,
  durationS: 0,
};

const wanted = only ?? (quick ? Object.keys(QUICK_PLAN) : http ? HTTP_SYSTEMS : SYSTEM_ORDER.filter((s) => !isHttpSystem(s) && s !== 'dataflow'));
// `dataflow` (an ideal in-memory scheduler) is a yardstick for the HTTP variants, not a peer: only when asked for.
// The floor runs first whenever an HTTP variant runs: their figures are makespan ÷ floor.
if (wanted.some(isHttpSystem) && !wanted.includes('floor-http')) wanted.unshift('floor-http');
const order = [...RUN_ORDER, ...HTTP_RUN_ORDER].filter((s) => wanted.includes(s));
const services = { pg: await reachable(PG_ADMIN_URL), redis: await reachable(REDIS_URL) };
const cases: CaseLine[] = [];
const failures: Array<{ system: string; reason: string }> = [];
console.error(`bench (${settings.name}): ${order.length} systems, ${runs} run(s) per figure, budget ${settings.budgetS} s; load average ${meta.loadAverageAtStart.join(' ')}`);

const runnable = order.filter((system) => {
  const needs = system.startsWith('baton-redis') ? ['pg', 'redis'] : system.startsWith('langgraph-postgres') ? ['pg'] : [];
  const missing = needs.filter((n) => !services[n as keyof typeof services]);
  if (missing.length > 0) failures.push({ system, reason: `skipped: ${missing.join(' and ')} unreachable` });
  return missing.length === 0;
});
const graphsFor = (system: string) =>
  (graphsFlag ?? (quick && !only ? QUICK_PLAN[system]! : isHttpSystem(system) ? HTTP_GRAPHS : FULL_GRAPHS)).filter((g) => !isLatencyCase(g) || LATENCY_SYSTEMS.has(system));

if (quick && !only && !graphsFlag) {
  // One process for all: a process start costs seconds on a loaded machine.
  const plan = Object.fromEntries(runnable.map((s) => [s, graphsFor(s)]));
  console.error(
    `- ${Object.entries(plan)
      .map(([s, g]) => `${s}: ${g.join(', ')}`)
      .join('; ')}`,
  );
  const { lines, error } = await runCase(plan, Infinity);
  cases.push(...lines);
  if (error) failures.push({ system: 'quick', reason: error });
} else {
  for (let i = 0; i < runnable.length; i++) {
    const system = runnable[i]!;
    const skips = graphsFlag ? {} : (FULL_SKIPS[system] ?? {});
    const graphs = graphsFor(system).filter((g) => !skips[g]);
    for (const [graph, reason] of Object.entries(skips)) cases.push({ system, graph, kind: 'graph', results: [], skipped: reason });
    // A share of what is left (Baton's modes weigh double: theirs are the figures the bench is for);
    // a system that finishes early leaves its time to the next.
    const weight = (s: string) => (s.startsWith('baton-') ? 2 : 1);
    const left = started + settings.budgetS * 1000 - Date.now();
    const weights = runnable.slice(i).reduce((sum, s) => sum + weight(s), 0);
    const deadline = Date.now() + (left * weight(system)) / weights;
    console.error(`- ${system}: ${graphs.join(', ')} (until +${Math.round((deadline - started) / 1000)} s)`);
    const { lines, error } = await runCase({ [system]: graphs }, deadline);
    cases.push(...lines);
    if (error) failures.push({ system, reason: error });
  }
}

meta.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
meta.durationS = Math.round((Date.now() - started) / 1000);

/** Medians of the path breakdown's parts (bench/fake-agent.ts pathBreakdown), each over the runs. */
function pathMedians(rs: RunResult[]) {
  const ps = rs.flatMap((r) => (r.path ? [r.path] : []));
  if (ps.length === 0) return {};
  const m = (k: keyof NonNullable<RunResult['path']>) => median(ps.map((p) => p[k]));
  return { pathTasks: m('tasks'), pathDurationsMs: m('durationsMs'), pathStartMs: m('startMs'), pathHopsMs: m('hopsMs'), pathLateMs: m('lateMs'), pathEndMs: m('endMs') };
}

/** Medians over the runs of each case. */
function summarize(c: CaseLine) {
  const g = GRAPHS[isLatencyCase(c.graph) ? (c.latencyGraph ?? 'rand100') : c.graph]!();
  if (c.kind === 'latency') {
    const rs = c.results as LatencyResult[];
    return {
      runs: rs.length,
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      maxMs: Math.max(...rs.map((r) => r.maxMs)),
      incomplete: rs.reduce((s, r) => s + r.incomplete, 0),
      errors: rs.reduce((s, r) => s + r.errors, 0),
      expectedPerSubscriber: rs[0]?.expectedPerSubscriber,
      makespanMs: median(rs.map((r) => r.makespanMs)),
      rssPerSubscriber: median(rs.map((r) => r.rssPerSubscriber ?? NaN)),
    };
  }
  const rs = c.results as RunResult[];
  const makespanMs = median(rs.map((r) => r.makespanMs));
  return {
    runs: rs.length,
    tasks: g.tasks.length,
    makespanMs,
    modelSpanMs: median(rs.map((r) => r.modelSpanMs)),
    ratio: g.criticalPathMs > 0 ? makespanMs / g.criticalPathMs : null,
    modelSpanRatio: g.criticalPathMs > 0 ? median(rs.map((r) => r.modelSpanMs)) / g.criticalPathMs : null,
    overheadPerTaskMs: makespanMs / g.tasks.length,
    cpuPerTaskMs: median(rs.map((r) => r.cpuMs)) / g.tasks.length,
    handoffP50Ms: median(rs.map((r) => r.handoff.p50)),
    handoffP99Ms: median(rs.map((r) => r.handoff.p99)),
    ...pathMedians(rs),
    setupMs: median(rs.map((r) => r.setupMs)),
    peakRssMb: c.peakRss ? c.peakRss / 2 ** 20 : null,
    helperPeakRssMb: rs.some((r) => r.helperPeakRss?.length) ? Math.max(...rs.flatMap((r) => r.helperPeakRss ?? [])) / 2 ** 20 : null,
  };
}

const graphsInfo = Object.fromEntries(
  Object.entries(GRAPHS).map(([k, f]) => {
    const g = f();
    return [
      k,
      {
        title: g.title,
        tasks: g.tasks.length,
        edges: g.tasks.reduce((s, t) => s + t.dependsOn.length, 0),
        criticalPathMs: g.criticalPathMs,
        wavesMs: g.wavesMs,
        instant: g.instant,
      },
    ];
  }),
);
const systemsInfo = Object.fromEntries(cases.filter((c) => c.label).map((c) => [c.system, { label: c.label!, timing: c.timing!, setupS: c.setupS }]));
const report = {
  meta,
  systems: systemsInfo,
  graphs: graphsInfo,
  cases: cases.map((c) => ({ ...c, summary: c.results.length ? summarize(c) : null })),
  failures,
};

const outDir = resolve(here, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(resolve(outDir, `${settings.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
const md = renderMarkdown(report);
writeFileSync(resolve(outDir, `${settings.name}.md`), md);
console.log(md);
console.error(`bench: ${meta.durationS} s; wrote bench/results/${settings.name}.md and .json`);
process.exit(0);
