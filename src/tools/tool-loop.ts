import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { ToolMessage } from '@langchain/core/messages';
import { wrap } from '../agents/delimit.ts';
import { EmptyAnswerError, FinalAttemptError } from '../agents/retry.ts';
import type { TokenUsage } from '../engine/types.ts';
import { toStorableText } from '../text.ts';
import type { Metering } from '../usage/metering.ts';
import { bounded, TOOL_LIMITS, type ToolCallContext, type ToolHandle } from './types.ts';

/** A tool loop that reached TASK_MAX_TOOL_STEPS: the task fails (another attempt would loop again). */
export class ToolStepsExceededError extends FinalAttemptError {
  override name = 'ToolStepsExceededError';
  constructor(steps: number) {
    super(`the tool loop reached TASK_MAX_TOOL_STEPS (${steps} model turns) without a final answer`);
  }
}

export interface ToolCallRecord {
  callId: string;
  /** `server/tool`, or the unknown name the model asked for. */
  tool: string;
  /** The model's arguments as JSON, bounded. */
  arguments: string;
}

export interface ToolLoopInput {
  model: BaseChatModel;
  messages: BaseMessage[];
  tools: ToolHandle[];
  maxSteps: number;
  /** The prompt's nonce: results go back to the model delimited as data with it. */
  nonce: string;
  signal: AbortSignal;
  context: Omit<ToolCallContext, 'signal'>;
  /** Stores and publishes the calls of one model turn (in order), then each result as it ends. */
  onCalls(calls: ToolCallRecord[]): Promise<void>;
  onResult(r: { callId: string; ok: boolean; preview: string }): Promise<void>;
  /** The model's text as it streams (every turn's). */
  emit?: (text: string) => Promise<void>;
  /** Counts each turn as a model call; its chunk rejects once the workflow is over its budget. */
  metering?: Pick<Metering, 'open'>;
}

const textOf = (m: AIMessageChunk) => (typeof m.content === 'string' ? m.content : m.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join(''));

/** OpenAI-style function definitions of the tools, as bindTools takes them. */
export const functionDefinitions = (tools: ToolHandle[]) =>
  tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } }));

/**
 * model → tool calls (run in parallel when the model asks for several) → results → model, until an
 * answer without tool calls (the task's output) or maxSteps model turns. A tool's failure, timeout,
 * unknown name or bad arguments goes back to the model as an error result; only an abort (cancel,
 * shutdown, the attempt's timeout) stops the loop from inside a call.
 */
export async function runToolLoop(i: ToolLoopInput): Promise<{ output: string; usage: TokenUsage }> {
  if (typeof i.model.bindTools !== 'function') throw new Error(`the model ${i.model._llmType()} cannot call tools`);
  const bound = i.model.bindTools(functionDefinitions(i.tools));
  const byName = new Map(i.tools.map((t) => [t.name, t]));
  const history = [...i.messages];
  const usage: TokenUsage = { input: 0, output: 0 };
  for (let step = 0; step < i.maxSteps; step++) {
    let ai: AIMessageChunk | undefined;
    const metered = await i.metering?.open(history);
    for await (const chunk of await bound.stream(history, { signal: i.signal })) {
      ai = ai ? ai.concat(chunk) : chunk;
      const text = textOf(chunk);
      if (text) await i.emit?.(text);
      const counted = metered?.chunk(chunk);
      if (counted) await counted;
    }
    if (!ai) throw new EmptyAnswerError();
    usage.input += ai.usage_metadata?.input_tokens ?? 0;
    usage.output += ai.usage_metadata?.output_tokens ?? 0;
    const calls = [
      ...(ai.tool_calls ?? []).map((c, n) => ({ id: c.id || `call_${step}_${n}`, name: c.name, args: c.args as unknown, bad: undefined as string | undefined })),
      ...(ai.invalid_tool_calls ?? []).map((c, n) => ({
        id: c.id || `invalid_${step}_${n}`,
        name: c.name ?? '?',
        args: c.args as unknown,
        bad: c.error ?? 'arguments are not valid JSON',
      })),
    ];
    if (calls.length === 0) {
      const output = toStorableText(textOf(ai));
      if (output.trim() === '') throw new EmptyAnswerError();
      return { output, usage };
    }
    history.push(ai);
    await i.onCalls(calls.map((c) => ({ callId: c.id, tool: byName.get(c.name)?.id ?? c.name, arguments: bounded(argumentText(c.args), TOOL_LIMITS.argumentChars) })));
    const results = await Promise.all(
      calls.map(async (c) => {
        const handle = byName.get(c.name);
        const r = c.bad ? { ok: false, text: `invalid call: ${c.bad}` } : !handle ? { ok: false, text: `unknown tool "${c.name}"` } : await callOne(handle, c.args, i);
        await i.onResult({ callId: c.id, ok: r.ok, preview: bounded(r.text, TOOL_LIMITS.previewChars) });
        return { id: c.id, name: c.name, ...r };
      }),
    );
    for (const r of results) {
      const content = wrap('tool_result', i.nonce, bounded(r.text, TOOL_LIMITS.resultChars), { tool: r.name, ok: String(r.ok) }, true);
      history.push(new ToolMessage({ content, tool_call_id: r.id, status: r.ok ? 'success' : 'error' }));
    }
  }
  throw new ToolStepsExceededError(i.maxSteps);
}

const argumentText = (args: unknown) => (typeof args === 'string' ? args : JSON.stringify(args ?? {}));

/** One call with its own timeout; an abort of the loop's signal rethrows, any other failure is an error result. */
async function callOne(handle: ToolHandle, args: unknown, i: ToolLoopInput): Promise<{ ok: boolean; text: string }> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return { ok: false, text: 'arguments must be a JSON object' };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`timed out after ${handle.timeoutMs} ms`)), handle.timeoutMs);
  const signal = AbortSignal.any([i.signal, timeout.signal]);
  // A tool that ignores its signal still stops counting here: the loop does not wait for it.
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    const text = await Promise.race([handle.call(args as Record<string, unknown>, { ...i.context, signal }), aborted]);
    return { ok: true, text: toStorableText(String(text)) };
  } catch (e) {
    if (i.signal.aborted) throw i.signal.reason;
    const why = timeout.signal.aborted ? (timeout.signal.reason as Error).message : e instanceof Error ? e.message : String(e);
    return { ok: false, text: `error: ${toStorableText(why)}` };
  } finally {
    clearTimeout(timer);
  }
}
