/**
 * What a 1→500 fan-out costs before any scheduling: 500 tasks' model calls
 * issued together through LangChain, on the bench's fake agent, timed from the
 * first call issued to the last call reaching the model (its
 * `_streamResponseChunks`). Three ways, each the median of `--runs` (15):
 *
 * - `direct`: the fake model's generator called without LangChain (what the
 *   calls cost by themselves);
 * - `stream`: `model.stream(messages)`, as the bench's peers call it;
 * - `stream + signal`: the same with an AbortSignal per call and a timeout per
 *   attempt, as Baton's runner calls it (cancel aborts the call in flight).
 *
 * A fan-out's tasks cannot start faster than this on one thread, whatever
 * schedules them; set against the 1→500→1 graph's critical path (300 ms) it is
 * a floor under makespan ÷ critical path (bench/README.md).
 *   node --import tsx bench/floor.ts [--runs=15] [--tasks=500]
 */
import type { BaseMessage } from '@langchain/core/messages';
import { attemptWithTimeout } from '../src/agents/retry.ts';
import { buildTaskPrompt } from '../src/agents/task-prompt.ts';
import { createFakeAgent, wallNow } from './fake-agent.ts';
import { median } from './infra.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(arg('runs') ?? 15);
const tasks = Number(arg('tasks') ?? 500);
const fake = createFakeAgent();

const prompt = (i: number) =>
  buildTaskPrompt({
    systemPrompt: 'You are the backend specialist.',
    request: 'bench fan-out',
    task: { key: String(i), agent: 'backend', description: `task ${i} [d=10]` },
    dependencies: [{ key: '1', agent: 'backend', output: 'output of task 1' }],
    budgetChars: 60_000,
  });

const WAYS: Record<string, (messages: BaseMessage[]) => Promise<void>> = {
  direct: async (messages) => {
    for await (const _ of fake.model._streamResponseChunks(messages, {} as never)) void _;
  },
  stream: async (messages) => {
    for await (const _ of await fake.model.stream(messages)) void _;
  },
  'stream + signal': async (messages) => {
    const outer = new AbortController();
    await attemptWithTimeout(600_000, outer.signal, async (signal) => {
      for await (const _ of await fake.model.stream(messages, { signal })) void _;
    });
  },
};

/** Milliseconds from issuing the first call to the last call's arrival at the model. */
async function once(call: (m: BaseMessage[]) => Promise<void>): Promise<number> {
  fake.takeSpan();
  const t0 = wallNow();
  await Promise.all(Array.from({ length: tasks }, (_, i) => call(prompt(i + 2))));
  const span = fake.takeSpan();
  if (span.calls !== tasks) throw new Error(`expected ${tasks} calls, saw ${span.calls}`);
  return Math.max(...Object.values(span.times).map(([start]) => start)) - t0;
}

for (const call of Object.values(WAYS)) await once(call); // warm-up
const lines = [`${tasks} model calls issued together (Node ${process.version}), first issued → last at the model, median of ${runs}:`];
for (const [name, call] of Object.entries(WAYS)) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push(await once(call));
  const m = median(ms);
  lines.push(`  ${name.padEnd(16)} ${m.toFixed(1).padStart(6)} ms  (${((m * 1000) / tasks).toFixed(1)} µs per call; ${((m / 300) * 100).toFixed(1)}% of a 300 ms critical path)`);
}
console.log(lines.join('\n'));
