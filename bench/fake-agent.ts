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

/** The figures every system reports from the fake agents' record of one run. */
export function spanFigures(tasks: Array<{ key: string; dependsOn: string[] }>, span: CallSpan, t0: number) {
  return { modelSpanMs: span.lastEnd - span.firstStart, calls: span.calls, handoff: handoffs(tasks, span.times, t0) };
}
