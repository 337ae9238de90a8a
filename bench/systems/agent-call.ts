import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AIMessageChunk } from '@langchain/core/messages';
import { BUILTIN_AGENTS } from '../../src/agents/builtins.ts';
import { buildTaskPrompt } from '../../src/agents/task-prompt.ts';
import type { BenchTask } from '../graphs.ts';

const systemPrompts = new Map(BUILTIN_AGENTS.map((a) => [a.name, a.systemPrompt]));

/**
 * One task's agent call for the peers (LangGraph, wave loop), done the way
 * Baton's runner does it: the same prompt (request, task, full dependency
 * outputs) and the same streamed call to the same fake model. What differs
 * between the systems is then only scheduling and persistence.
 */
export async function callAgent(model: BaseChatModel, request: string, task: BenchTask, dependency: (key: string) => { agent: string; output: string }): Promise<string> {
  const messages = buildTaskPrompt({
    systemPrompt: systemPrompts.get(task.agent) ?? '',
    request,
    task: { key: task.key, agent: task.agent, description: task.description },
    dependencies: task.dependsOn.map((k) => ({ key: k, ...dependency(k) })),
    budgetChars: 60_000,
  });
  let out = '';
  for await (const chunk of await model.stream(messages)) out += typeof (chunk as AIMessageChunk).content === 'string' ? chunk.content : '';
  return out;
}
