import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { ModelFactory } from '../../src/agents/model-factory.ts';

export interface ScriptedCall {
  key: string;
  agent: string;
  attempt: number;
  start: number;
  end?: number;
  aborted?: boolean;
  prompt: string;
}

export interface Script {
  /** Milliseconds a task's answer takes, by task key (default 0). */
  delayMs?: (key: string) => number;
  /** Throw this instead of answering (checked per call). */
  error?: (key: string, attempt: number) => Error | null;
  /** The answer text (default `output of task N`). */
  answer?: (key: string, prompt: string) => string;
  now?: () => number;
}

const keyOf = (prompt: string) => /Your task \(Task ([^,]+), @([^)]+)\)/.exec(prompt);

/**
 * A fake specialist for engine tests: reads the task key from the prompt, waits
 * its scripted time (abortable), streams its answer in three chunks. Every call is
 * recorded, so tests can check when each task started and whether it ran twice.
 */
export function scriptedModels(script: Script = {}) {
  const calls: ScriptedCall[] = [];
  const now = script.now ?? (() => performance.now());
  class Scripted extends BaseChatModel {
    _llmType() {
      return 'scripted';
    }
    async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
      let text = '';
      for await (const c of this._streamResponseChunks(messages, options)) text += c.text;
      return { generations: [{ text, message: new AIMessage(text) }] };
    }
    override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions']) {
      const prompt = messages.map((m) => String(m.content)).join('\n');
      const [, key = '?', agent = '?'] = keyOf(prompt) ?? [];
      const call: ScriptedCall = { key, agent, attempt: calls.filter((c) => c.key === key).length + 1, start: now(), prompt };
      calls.push(call);
      const signal = options.signal;
      try {
        await wait(script.delayMs?.(key) ?? 0, signal);
      } catch (e) {
        call.aborted = true;
        throw e;
      }
      const err = script.error?.(key, call.attempt);
      call.end = now();
      if (err) throw err;
      const text = script.answer?.(key, prompt) ?? `output of task ${key}`;
      const third = Math.ceil(text.length / 3);
      for (let i = 0; i < text.length; i += third) {
        const piece = text.slice(i, i + third);
        const last = i + third >= text.length;
        yield new ChatGenerationChunk({
          text: piece,
          message: new AIMessageChunk({ content: piece, ...(last ? { usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } } : {}) }),
        });
      }
    }
  }
  const model = new Scripted({});
  const factory: ModelFactory = async () => model;
  return { factory, calls, callsFor: (key: string) => calls.filter((c) => c.key === key) };
}

function wait(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
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
