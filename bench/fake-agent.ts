import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { ModelFactory } from '../src/agents/model-factory.ts';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** The model calls seen since the last reset: how many, the first start, the last end, and each task's [start, end]. */
export interface CallSpan {
  calls: number;
  firstStart: number;
  lastEnd: number;
  times: Record<string, [number, number]>;
}

const emptySpan = (): CallSpan => ({ calls: 0, firstStart: Infinity, lastEnd: -Infinity, times: {} });

const TASK = /Your task \(Task ([^,]+), @([^)]+)\):\n[^\n]*\[d=(\d+)\]/;

/**
 * The bench's fake specialist, one for every system: reads its task's key and
 * duration from the prompt (`[d=NNN]` in the task description), waits that
 * long (0: answers at once, without a timer), and answers with one streamed
 * chunk carrying token usage. It keeps a running span of its calls so a run's
 * "first model call to last model end" can be reported.
 */
export function createFakeAgent() {
  let span = emptySpan();
  class FakeAgent extends BaseChatModel {
    _llmType() {
      return 'bench-fake';
    }
    async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
      let text = '';
      for await (const c of this._streamResponseChunks(messages, options)) text += c.text;
      return { generations: [{ text, message: new AIMessage(text) }] };
    }
    override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions']) {
      const human = messages[messages.length - 1]!;
      const m = TASK.exec(String(human.content));
      if (!m) throw new Error('bench fake agent: no "[d=NNN]" task line in the prompt');
      const [, key, , d] = m;
      const start = wallNow();
      span.calls++;
      if (start < span.firstStart) span.firstStart = start;
      const ms = Number(d);
      if (ms > 0) await wait(ms, options.signal);
      const end = wallNow();
      if (end > span.lastEnd) span.lastEnd = end;
      span.times[key!] = [start, end];
      const text = `output of task ${key}`;
      yield new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({ content: text, usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } }),
      });
    }
  }
  const model = new FakeAgent({});
  const factory: ModelFactory = async () => model;
  return {
    model,
    factory,
    /** The span since the last reset, then starts a new one. */
    takeSpan(): CallSpan {
      const s = span;
      span = emptySpan();
      return s;
    },
  };
}

function wait(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason ?? new Error('aborted'));
      },
      { once: true },
    );
  });
}

/** Merges spans from several processes (BullMQ workers). */
export function mergeSpans(spans: CallSpan[]): CallSpan {
  return spans.reduce(
    (a, s) => ({
      calls: a.calls + s.calls,
      firstStart: Math.min(a.firstStart, s.firstStart),
      lastEnd: Math.max(a.lastEnd, s.lastEnd),
      times: Object.assign(a.times, s.times),
    }),
    emptySpan(),
  );
}

/**
 * How long ready tasks waited for their model call: for a task with
 * dependencies, its call's start minus its last dependency's end; for one
 * without, its start minus the run's start. Milliseconds: median, p99, max.
 */
export function handoffs(tasks: Array<{ key: string; dependsOn: string[] }>, times: CallSpan['times'], t0: number) {
  const gaps: number[] = [];
  for (const t of tasks) {
    const mine = times[t.key];
    if (!mine) continue;
    const ready = t.dependsOn.length === 0 ? t0 : Math.max(...t.dependsOn.map((d) => times[d]?.[1] ?? NaN));
    gaps.push(mine[0] - ready);
  }
  gaps.sort((a, b) => a - b);
  const at = (p: number) => gaps[Math.min(gaps.length - 1, Math.max(0, Math.ceil(p * gaps.length) - 1))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: gaps.at(-1) ?? NaN };
}

/** Where a run's time went beyond its tasks' own durations, along the path that decided its end (see pathBreakdown). */
export interface PathBreakdown {
  /** Tasks on the path, and the sum of their durations `[d=…]` (≤ the critical path). */
  tasks: number;
  durationsMs: number;
  /** Run start → the path's first model call. */
  startMs: number;
  /** Summed over the path: a task's call start − the end of the call before it. */
  hopsMs: number;
  /** Summed over the path: how much longer each call took than its duration (the server's timer wake-up, the response). */
  lateMs: number;
  /** The last call's end → the end of the run (the system's clock). */
  endMs: number;
}

/**
 * The path that decided a run's end, found backwards from the last call to end
 * (each step: the dependency whose call ended last), and its makespan split
 * exactly: makespan = start + Σ durations + Σ late + Σ hops + end.
 */
export function pathBreakdown(
  tasks: Array<{ key: string; dependsOn: string[]; durationMs: number }>,
  times: CallSpan['times'],
  t0: number,
  makespanMs: number,
): PathBreakdown | null {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const last = tasks.filter((t) => times[t.key]).reduce<(typeof tasks)[number] | undefined>((a, t) => (!a || times[t.key]![1] > times[a.key]![1] ? t : a), undefined);
  if (!last) return null;
  const b: PathBreakdown = { tasks: 0, durationsMs: 0, startMs: 0, hopsMs: 0, lateMs: 0, endMs: t0 + makespanMs - times[last.key]![1] };
  for (let t: (typeof tasks)[number] | undefined = last; t;) {
    const [start, end] = times[t.key]!;
    b.tasks++;
    b.durationsMs += t.durationMs;
    b.lateMs += end - start - t.durationMs;
    const dep: (typeof tasks)[number] | undefined = t.dependsOn
      .map((k) => byKey.get(k)!)
      .filter((d) => d && times[d.key])
      .reduce<(typeof tasks)[number] | undefined>((a, d) => (!a || times[d.key]![1] > times[a.key]![1] ? d : a), undefined);
    if (dep) b.hopsMs += start - times[dep.key]![1];
    else b.startMs = start - t0;
    t = dep;
  }
  return b;
}

/** The figures every system reports from the fake agents' record of one run. */
export function spanFigures(tasks: Array<{ key: string; dependsOn: string[]; durationMs: number }>, span: CallSpan, t0: number, makespanMs: number) {
  return {
    modelSpanMs: span.lastEnd - span.firstStart,
    calls: span.calls,
    handoff: handoffs(tasks, span.times, t0),
    path: pathBreakdown(tasks, span.times, t0, makespanMs) ?? undefined,
  };
}
