import { toStorableText } from '../text.ts';

/** One tool a task's model may call, whatever serves it (the built-in workspace or an MCP server). */
export interface ToolHandle {
  /** `server/tool`, as events and Agent.tools name it. */
  id: string;
  /** The function name the model sees (OpenAI's rule: letters, digits, _ and -, up to 64). */
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
  timeoutMs: number;
  /** The result as text; throws for an error result (ToolError or any error: the model is told). */
  call(args: Record<string, unknown>, ctx: ToolCallContext): Promise<string>;
}

export interface ToolCallContext {
  workflowId: string;
  /** The calling task's key: files it writes are `writtenBy` it. */
  taskKey: string;
  signal: AbortSignal;
}

/** An error result of a tool: reported to the model, never a failed task by itself. */
export class ToolError extends Error {
  override name = 'ToolError';
}

/** Bounds: what goes back to the model, and what events store. */
export const TOOL_LIMITS = {
  resultChars: 20_000,
  previewChars: 500,
  argumentChars: 2_000,
} as const;

/** The text cut to `max` characters with a marker saying how much was cut. Pure. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  // A surrogate pair split by the cut becomes U+FFFD (storable, see text.ts).
  return `${toStorableText(text.slice(0, max))}\n[… ${text.length - max} more characters cut]`;
}
