import { unfinishedKeysOf } from '../planning/replan-prompt.ts';
import { BaseChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { AIMessage, AIMessageChunk, type BaseMessage, type ToolCall, type UsageMetadata } from '@langchain/core/messages';
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import { offlineToolCalls, writtenFiles } from './offline-tools.ts';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';

export type OfflinePersona = 'orchestrator' | 'specialist';

export interface OfflineChatModelOptions extends BaseChatModelParams {
  persona: OfflinePersona;
  /** Pause between streamed chunks, to make the offline model look (and be cancellable) like a real one. */
  tokenDelayMs?: number;
  /** Function names bound with bindTools: with the workspace's, a specialist works through it (offline-tools.ts). */
  boundTools?: string[];
}

const DEFAULT_AGENTS = ['backend', 'frontend', 'qa', 'devops'];

/**
 * A deterministic, built-in chat model so Baton runs with no API key. The orchestrator writes a
 * plan in RezNet's text format; specialists write a placeholder deliverable. Same input, same output.
 * Bound to the workspace tools, a specialist reads its dependencies' files and writes its
 * deliverable as a file (see offline-tools.ts). The planner never takes the structured-output path
 * with it (see supportsStructuredOutput).
 */
export class OfflineChatModel extends BaseChatModel {
  readonly persona: OfflinePersona;
  readonly tokenDelayMs: number;
  readonly boundTools: string[];

  static override lc_name(): string {
    return 'OfflineChatModel';
  }

  constructor(options: OfflineChatModelOptions) {
    super(options);
    this.persona = options.persona;
    this.tokenDelayMs = Math.max(0, options.tokenDelayMs ?? 0);
    this.boundTools = options.boundTools ?? [];
    // It binds the workspace tools only: no structured output (its plans are text), as before it had tools.
    this.withStructuredOutput = ((): never => {
      throw new Error('the offline model has no structured output');
    }) as BaseChatModel['withStructuredOutput'];
  }

  override bindTools(tools: BindToolsInput[]): OfflineChatModel {
    const names = tools.map((t) => (t as { function?: { name?: unknown } }).function?.name ?? (t as { name?: unknown }).name).filter((n): n is string => typeof n === 'string');
    return new OfflineChatModel({ persona: this.persona, tokenDelayMs: this.tokenDelayMs, boundTools: names });
  }

  /** The tool calls of this turn, when the bound tools and the conversation call for some. */
  private toolCalls(messages: BaseMessage[]): ToolCall[] {
    return this.persona === 'specialist' && this.boundTools.includes('write_file') ? offlineToolCalls(messages, this.boundTools, writeDeliverable(messages)) : [];
  }

  _llmType(): string {
    return 'offline';
  }

  /** The whole answer, as `invoke` and `stream` produce it. */
  answer(messages: BaseMessage[]): string {
    if (this.persona === 'orchestrator') return writePlan(messages);
    const text = writeDeliverable(messages);
    const written = this.boundTools.includes('write_file') ? writtenFiles(messages) : [];
    return written.length ? `${text}\n\nFiles written to the workspace: ${written.join(', ')}` : text;
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    // Reuse the stream so invoke honours tokenDelayMs and the abort signal the same way.
    let text = '';
    let usage: UsageMetadata | undefined;
    let toolCalls: ToolCall[] = [];
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      text += chunk.text;
      usage = (chunk.message as AIMessageChunk).usage_metadata ?? usage;
      toolCalls = [...toolCalls, ...((chunk.message as AIMessageChunk).tool_calls ?? [])];
    }
    const message = new AIMessage({ content: text, tool_calls: toolCalls, usage_metadata: usage, response_metadata: { model: 'offline' } });
    return { generations: [{ text, message }], llmOutput: { tokenUsage: toTokenUsage(usage) } };
  }

  override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const calls = this.toolCalls(messages);
    if (calls.length > 0) {
      const usage = estimateUsage(messages, JSON.stringify(calls));
      const message = new AIMessageChunk({
        content: '',
        tool_call_chunks: calls.map((c, index) => ({ type: 'tool_call_chunk' as const, id: c.id, name: c.name, args: JSON.stringify(c.args), index })),
        usage_metadata: usage,
      });
      yield new ChatGenerationChunk({ text: '', message });
      return;
    }
    const text = this.answer(messages);
    const pieces = text.match(/\S+\s*|\s+/g) ?? [''];
    const usage = estimateUsage(messages, text);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, signal);
      signal?.throwIfAborted();
      const last = i === pieces.length - 1;
      // Usage only on the last chunk: chunk concatenation sums usage_metadata.
      const message = new AIMessageChunk({ content: pieces[i], ...(last ? { usage_metadata: usage } : {}) });
      yield new ChatGenerationChunk({ text: pieces[i], message });
      await runManager?.handleLLMNewToken(pieces[i]);
    }
  }
}

const approxTokens = (chars: number): number => Math.ceil(chars / 4);

function estimateUsage(messages: BaseMessage[], output: string): UsageMetadata {
  const input_tokens = approxTokens(messages.reduce((n, m) => n + textOf(m).length, 0));
  const output_tokens = approxTokens(output.length);
  return { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens };
}

function toTokenUsage(u: UsageMetadata | undefined) {
  return u && { promptTokens: u.input_tokens, completionTokens: u.output_tokens, totalTokens: u.total_tokens };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function textOf(m: BaseMessage): string {
  if (typeof m.content === 'string') return m.content;
  return m.content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

function lastOfType(messages: BaseMessage[], type: 'human' | 'system'): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].getType() === type) return textOf(messages[i]);
  return '';
}

// ---- orchestrator ----------------------------------------------------------------------------

type Kind = 'backend' | 'frontend' | 'qa' | 'devops';

const KIND_HINTS: Record<Kind, RegExp> = {
  backend: /back-?end|api|server|data|database/i,
  frontend: /front-?end|\bui\b|web|client|interface|design/i,
  qa: /\bqa\b|test|quality/i,
  devops: /dev-?ops|deploy|infra|ops|release|docs?\b|document/i,
};

const PLAN: Array<{ kind: Kind; text: (s: string) => string; deps: number[] }> = [
  { kind: 'backend', text: (s) => `Design the data model and API for ${s}`, deps: [] },
  { kind: 'backend', text: (s) => `Implement the server-side logic and API endpoints for ${s}`, deps: [1] },
  { kind: 'frontend', text: (s) => `Build the user interface for ${s} on top of the designed API`, deps: [1] },
  { kind: 'qa', text: (s) => `Write automated tests covering the API and the UI of ${s}`, deps: [2, 3] },
  { kind: 'devops', text: (s) => `Set up configuration and a deployment pipeline for ${s}`, deps: [4] },
  { kind: 'devops', text: (s) => `Document how to run, configure and deploy ${s}`, deps: [4] },
];

/** Agents offered by the system prompt as `- @name: role` lines; the default four when none are. */
export function offeredAgents(system: string): Array<{ name: string; role: string }> {
  const found = [...system.matchAll(/^\s*[-*]\s*@([\w-]+)\s*[:\-–—]\s*(.*)$/gm)].map((m) => ({
    name: m[1].toLowerCase(),
    role: m[2].trim(),
  }));
  const unique = found.filter((a, i) => found.findIndex((b) => b.name === a.name) === i);
  return unique.length > 0 ? unique : DEFAULT_AGENTS.map((name) => ({ name, role: name }));
}

function pickAgent(kind: Kind, index: number, agents: Array<{ name: string; role: string }>): string {
  const exact = agents.find((a) => a.name === kind);
  if (exact) return exact.name;
  const byName = agents.find((a) => KIND_HINTS[kind].test(a.name));
  if (byName) return byName.name;
  const byRole = agents.find((a) => KIND_HINTS[kind].test(a.role));
  return byRole ? byRole.name : agents[index % agents.length].name;
}

/** "Build a complete auth system." -> "a complete auth system" */
export function subjectOf(request: string): string {
  let s = request.replace(/\s+/g, ' ').trim();
  s = s.replace(/^(please|can you|could you|i (?:want|need|would like)(?: you)? to|let's|we need to)\s+/i, '');
  s = s.replace(/^(build|create|make|implement|add|develop|write|design|set up|setup|produce|ship)\s+/i, '');
  s = s.replace(/[.!?;:,\s]+$/, '');
  if (s.length > 160) s = `${s.slice(0, 157).replace(/\s+\S*$/, '')}...`;
  if (!s) return 'the requested feature';
  // Lower-case a capitalised first word ("A complete ...") but keep acronyms ("JWT auth").
  return /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}

function writePlan(messages: BaseMessage[]): string {
  const system = lastOfType(messages, 'system');
  const agents = offeredAgents(system);
  const human = lastOfType(messages, 'human');
  // Baton's planner sends the request inside a <request nonce="…"> block.
  const subject = subjectOf(/<request\b[^>]*>([\s\S]*?)<\/request\b[^>]*>/i.exec(human)?.[1] ?? human);
  const unfinished = unfinishedKeysOf(system);
  if (unfinished && unfinished.length > 0) return writeReplacements(unfinished, human, subject, agents);
  const lines = PLAN.map((step, i) => {
    const deps = step.deps.length ? ` (depends on ${step.deps.map((d) => `Task ${d}`).join(', ')})` : '';
    return `Task ${i + 1}: @${pickAgent(step.kind, i, agents)} - ${step.text(subject)}${deps}`;
  });
  return lines.join('\n');
}

/**
 * A replan of a partly run workflow: one replacement per unfinished key, keeping the key and the
 * failed task's agent (from its <failure> block) when it names one, each depending on every finished task.
 */
function writeReplacements(keys: string[], human: string, subject: string, agents: Array<{ name: string; role: string }>): string {
  const finished = dependencyBlocks(human)
    .map((d) => d.key)
    .filter((k) => /^\d+$/.test(k));
  const failedAgent = new Map([...human.matchAll(/<failure\b[^>]*\bkey="([^"]*)"[^>]*\bagent="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const deps = finished.length ? ` (depends on ${finished.map((k) => `Task ${k}`).join(', ')})` : '';
  return keys
    .filter((k) => /^\d+$/.test(k))
    .map((k, i) => `Task ${k}: @${failedAgent.get(k) ?? agents[i % agents.length].name} - Complete the unfinished part ${k} of ${subject} another way${deps}`)
    .join('\n');
}

// ---- specialist ------------------------------------------------------------------------------

const DEPENDENCY_BLOCK = /<dependency\b([^>]*\bkey="[^"]*"[^>]*)>([\s\S]*?)<\/dependency\b[^>]*>/g;

export function dependencyBlocks(prompt: string): Array<{ key: string; agent: string; chars: number }> {
  return [...prompt.matchAll(DEPENDENCY_BLOCK)].map((m) => ({
    key: /\bkey="([^"]*)"/.exec(m[1])?.[1] ?? '?',
    agent: /\bagent="([^"]*)"/.exec(m[1])?.[1] ?? 'unknown',
    chars: m[2].trim().length,
  }));
}

function taskOf(prompt: string): string {
  const text = prompt.replace(DEPENDENCY_BLOCK, '');
  const tagged = /<task\b[^>]*>([\s\S]*?)<\/task\b[^>]*>/i.exec(text)?.[1];
  // Baton's own task prompt: "Your task (Task 2, @backend):" then the description on the next line.
  const baton = /^your task \(task [^)]*\):\s*\n(.+)$/im.exec(text)?.[1];
  const labelled = /^\s*(?:#+\s*)?(?:your\s+)?task(?:\s+\d+)?\s*[:\-–]\s*(.+)$/im.exec(text)?.[1];
  const first = text.split('\n').find((l) => l.trim().length > 0);
  const task = (tagged ?? baton ?? labelled ?? first ?? '').replace(/\s+/g, ' ').trim();
  if (!task) return 'the assigned task';
  return task.length > 200 ? `${task.slice(0, 197)}...` : task;
}

function writeDeliverable(messages: BaseMessage[]): string {
  const prompt = lastOfType(messages, 'human');
  const task = taskOf(prompt);
  const deps = dependencyBlocks(prompt);
  const inputs = deps.length
    ? deps.map((d) => `- Task ${d.key} (@${d.agent}): ${d.chars} characters of output, read in full.`).join('\n')
    : '- None: this task has no dependency outputs and starts from the request alone.';
  const slug =
    task
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'task';
  return [
    `## Deliverable: ${task}`,
    '',
    `This is the deliverable for the task "${task}".`,
    '',
    '### Inputs received',
    inputs,
    '',
    '### Approach',
    'The work is split into small, reviewable steps: agree on the interfaces first, implement them behind ' +
      'clear boundaries, then verify the result against the inputs listed above before handing it on.',
    '',
    '```ts',
    `// Sketch for ${slug}`,
    `export function ${slug.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/^\d/, '_$&')}(): string {`,
    `  return 'done: ${slug}';`,
    '}',
    '```',
    '',
    "> Produced by Baton's offline model: a deterministic placeholder, not real work. " + 'For real results set LLM_MODEL to a real provider (for example `openai:gpt-4o-mini`).',
  ].join('\n');
}
