import type { FakeRequest } from './fake-openai.ts';

/** The text of every message of a chat completions request body, joined. */
export function promptText(body: FakeRequest['body']): string {
  return (body?.messages ?? [])
    .map((m: { content?: unknown }) => (typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p: { text?: string }) => p.text ?? '').join('') : ''))
    .join('\n');
}

export interface PromptTask {
  /** The workflow request (its description), as the task prompt carries it. */
  request: string;
  key: string;
  agent: string;
}

/**
 * Which workflow and task a model request is for, read from the task prompt
 * (`Workflow request:\n<request nonce="…">…</request nonce="…">\n\nYour task (Task N, @agent)`); null for other prompts.
 */
export function taskOf(body: FakeRequest['body']): PromptTask | null {
  const m = /Workflow request:\n<request nonce="[0-9a-f]+">([\s\S]*?)<\/request nonce="[0-9a-f]+">\n\nYour task \(Task ([^,]+), @([^)]+)\)/.exec(promptText(body));
  return m ? { request: m[1]!, key: m[2]!, agent: m[3]! } : null;
}

/**
 * The data blocks of a task prompt delimited with its nonce, by tag: the only way Baton marks text
 * as data (see src/agents/delimit.ts). A forged tag without the nonce is not a delimiter.
 */
export function dataBlocks(prompt: string): Array<{ tag: string; attrs: string; content: string }> {
  const nonce = /<request nonce="([0-9a-f]+)">/.exec(prompt)?.[1];
  if (!nonce) return [];
  const re = new RegExp(`<(request|task|dependency)\\b([^>]*) nonce="${nonce}">([\\s\\S]*?)</\\1 nonce="${nonce}">`, 'g');
  return [...prompt.matchAll(re)].map((m) => ({ tag: m[1]!, attrs: m[2]!.trim(), content: m[3]! }));
}

/** `request/key` of a task request, e.g. `wf-A/3`; null for other prompts. */
export function taskId(body: FakeRequest['body']): string | null {
  const t = taskOf(body);
  return t ? `${t.request}/${t.key}` : null;
}

/** How many model requests each `request/key` received. */
export function countByTask(requests: FakeRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const id = taskId(r.body);
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
