import type { BaseMessage, ToolCall } from '@langchain/core/messages';

/**
 * How the offline model works through the workspace tools, deterministically from the conversation:
 * 1. it reads the files its dependencies wrote (the prompt lists them, marked "(dependency)");
 * 2. it writes its deliverable to `deliverables/task-<key>-<slug>.md`, citing what it read;
 * 3. then it answers (no tool calls; the offline model writes the final text).
 */

const textOf = (m: BaseMessage): string =>
  typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');

const humanPrompt = (messages: BaseMessage[]) => {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.getType() === 'human') return textOf(messages[i]!);
  return '';
};

/** Calls the model made so far (AI messages), by tool name. */
const madeCalls = (messages: BaseMessage[]) => messages.flatMap((m) => (m.getType() === 'ai' ? ((m as unknown as { tool_calls?: ToolCall[] }).tool_calls ?? []) : []));

/** Files the prompt lists as written by a dependency. Pure. */
export function dependencyFiles(prompt: string): string[] {
  const block = /<files\b[^>]*>([\s\S]*?)<\/files\b[^>]*>/.exec(prompt)?.[1] ?? '';
  return [...block.matchAll(/^(.+) \d+ bytes by Task \S+ \(dependency\)$/gm)].map((m) => m[1]!.trim());
}

/** `deliverables/task-<key>-<slug>.md`, from Baton's task prompt. Pure. */
export function deliverablePath(prompt: string): string {
  const key = /^your task \(task ([^,)]+)/im.exec(prompt)?.[1]?.trim() ?? 'x';
  const description = /<task\b[^>]*>([\s\S]*?)<\/task\b[^>]*>/i.exec(prompt)?.[1] ?? '';
  const full = description
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // At most 40 characters, cut at a word boundary when a word would be split.
  const cut = full.length <= 40 ? full : full.slice(0, 41).replace(/-[^-]*$/, '') || full.slice(0, 40);
  const slug = cut || 'deliverable';
  return `deliverables/task-${key.replace(/[^A-Za-z0-9_-]/g, '_')}-${slug}.md`;
}

/** Paths this conversation wrote with write_file. */
export function writtenFiles(messages: BaseMessage[]): string[] {
  return madeCalls(messages)
    .filter((c) => c.name === 'write_file')
    .map((c) => String((c.args as { path?: unknown }).path ?? ''));
}

/** The reads' results, as the tool messages returned them (call id -> text). */
function readResults(messages: BaseMessage[]): Array<{ path: string; chars: number; ok: boolean }> {
  const reads = madeCalls(messages).filter((c) => c.name === 'read_file');
  return reads.map((c) => {
    const result = messages.find((m) => m.getType() === 'tool' && (m as unknown as { tool_call_id?: string }).tool_call_id === c.id);
    const status = (result as unknown as { status?: string } | undefined)?.status;
    const body = result ? textOf(result).replace(/^<tool_result\b[^>]*>\n?|\n?<\/tool_result\b[^>]*>$/g, '') : '';
    return { path: String((c.args as { path?: unknown }).path ?? ''), chars: body.length, ok: status !== 'error' };
  });
}

/** This turn's tool calls: reads first, then the write; none once written (the model answers). */
export function offlineToolCalls(messages: BaseMessage[], bound: string[], deliverable: string): ToolCall[] {
  const prompt = humanPrompt(messages);
  const made = madeCalls(messages);
  const turn = messages.filter((m) => m.getType() === 'ai').length;
  const toRead = bound.includes('read_file') ? dependencyFiles(prompt).slice(0, 20) : [];
  if (made.length === 0 && toRead.length > 0) {
    return toRead.map((path, n) => ({ type: 'tool_call', id: `offline_${turn}_${n}`, name: 'read_file', args: { path } }));
  }
  if (made.some((c) => c.name === 'write_file')) return [];
  const read = readResults(messages);
  const inputs = read.length ? ['', '### Files read', ...read.map((r) => `- ${r.path}: ${r.ok ? `${r.chars} characters` : 'could not be read'}`)].join('\n') : '';
  return [{ type: 'tool_call', id: `offline_${turn}_0`, name: 'write_file', args: { path: deliverablePath(prompt), content: `${deliverable}${inputs}\n` } }];
}
