import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathBreakdown } from '../../bench/fake-agent.ts';
import { authDag, GRAPHS } from '../../bench/graphs.ts';
import { plusFloor, renderMarkdown } from '../../bench/report.ts';
import { batonSystem } from '../../bench/systems/baton.ts';
import { criticalTasks, httpFloorSystem } from '../../bench/systems/http-floor.ts';
import type { BenchSystem } from '../../bench/systems/types.ts';

/*
 * The bench's HTTP variant (#13 item 9): the real ChatOpenAI client against bench/model-server.ts,
 * and the floor beside it. Runs the auth DAG once per system (about 1.5 s of waiting each).
 */

describe('the floor', () => {
  it("is the critical path's tasks, first to last", () => {
    expect(criticalTasks(authDag()).map((t) => t.key)).toEqual(['1', '2', '6', '7', '8']);
  });

  it('reads "floor + x" as makespan ÷ floor − 1, and says so when a run beat the floor', () => {
    expect(plusFloor(0.0312)).toBe('floor + 0.03');
    expect(plusFloor(-0.012)).toBe('floor − 0.01');
    expect(plusFloor(null)).toBe('floor + —');
  });
});

describe('HTTP variants against the local model server', () => {
  const systems: BenchSystem[] = [];
  const start = async (s: BenchSystem) => {
    systems.push(s);
    await s.setup();
    return s;
  };
  afterAll(async () => {
    for (const s of systems) await s.teardown();
  });

  it("floor-http makes only the critical path's calls, one after another, over one kept-alive connection", async () => {
    const floor = await start(httpFloorSystem());
    const graph = authDag();
    expect(floor.expectedCalls!(graph)).toBe(5);
    await floor.run(graph); // opens the connection
    const r = await floor.run(graph);
    expect(r.calls).toBe(5);
    // Sequential calls of 100+300+100+100+50 ms: never below the critical path.
    expect(r.makespanMs).toBeGreaterThanOrEqual(graph.criticalPathMs);
    expect(r.makespanMs).toBeLessThan(graph.criticalPathMs * 2);
    expect(r.connections).toBe(0);
  });

  it('baton-embedded-http runs every task through ChatOpenAI (LLM_MODEL=openai:…, OPENAI_BASE_URL), seen by the server', async () => {
    const baton = await start(batonSystem('embedded', 1, 'http'));
    expect(baton.name).toBe('baton-embedded-http');
    const graph = authDag();
    const r = await baton.run(graph);
    // The calls are counted by the model server, not in Baton's process: they went over HTTP.
    expect(r.calls).toBe(graph.tasks.length);
    expect(r.makespanMs).toBeGreaterThanOrEqual(graph.criticalPathMs);
    expect(r.connections).toBeTypeOf('number');
  });
});

describe('the report', () => {
  let md: string;
  beforeAll(() => {
    const graphs = Object.fromEntries(
      Object.entries(GRAPHS)
        .filter(([k]) => !k.startsWith('instant'))
        .map(([k, f]) => {
          const g = f();
          return [k, { title: g.title, tasks: g.tasks.length, edges: 0, criticalPathMs: g.criticalPathMs, wavesMs: g.wavesMs, instant: g.instant }];
        }),
    );
    const c = (system: string, graph: string, makespanMs: number) => ({
      system,
      graph,
      kind: 'graph' as const,
      results: [{}],
      summary: { runs: 3, makespanMs, ratio: makespanMs / graphs[graph]!.criticalPathMs },
    });
    md = renderMarkdown({
      meta: { mode: 'http', loadAverageAtStart: [1], loadAverageAtEnd: [1], runsPerFigure: 3 },
      systems: {},
      graphs,
      cases: [
        c('floor-http', 'auth8', 700),
        c('baton-embedded-http', 'auth8', 714),
        c('baton-redis-1w-http', 'auth8', 735),
        c('floor-http', 'rand100', 1400),
        c('baton-embedded-http', 'rand100', 1386),
      ],
      failures: [],
    });
  });

  it('puts makespan ÷ floor beside the floor, per system and graph', () => {
    expect(md).toContain('| `floor-http` | **700 ms** (1.08 × critical path) | **1400 ms** (1.06 × critical path) |');
    expect(md).toContain('| `baton-embedded-http` | **1.02** (floor + 0.02; 714 ms) | **0.99** (floor − 0.01; 1386 ms) |');
    expect(md).toContain('| `baton-redis-1w-http` | **1.05** (floor + 0.05; 735 ms) | — |');
  });

  it("checks the issue's goals: embedded within floor + 0.02, BullMQ within floor + 0.03", () => {
    expect(md).toContain('- `baton-embedded-http` auth8: makespan ÷ floor 1.02, floor + 0.02 ≤ floor + 0.02 ✅');
    expect(md).toContain('- `baton-redis-1w-http` auth8: makespan ÷ floor 1.05, floor + 0.05 ≤ floor + 0.03 ❌');
    expect(md).toContain('- `baton-redis-1w-http` rand100: makespan ÷ floor —, floor + — ≤ floor + 0.03 ⚪ not measured');
  });
});

describe('the path breakdown', () => {
  it('splits a makespan exactly along the path that decided its end: start + durations + late + hops + end', () => {
    const tasks = [
      { key: 'a', dependsOn: [], durationMs: 100 },
      { key: 'b', dependsOn: [], durationMs: 50 },
      { key: 'c', dependsOn: ['a', 'b'], durationMs: 200 },
    ];
    // t0 = 1000; a 1002–1104, b 1003–1054, c 1110–1311; the run ends at 1320.
    const times: Record<string, [number, number]> = { a: [1002, 1104], b: [1003, 1054], c: [1110, 1311] };
    const b = pathBreakdown(tasks, times, 1000, 320)!;
    expect(b).toEqual({ tasks: 2, durationsMs: 300, startMs: 2, hopsMs: 6, lateMs: 3, endMs: 9 });
    expect(b.startMs + b.durationsMs + b.lateMs + b.hopsMs + b.endMs).toBe(320);
  });
});
