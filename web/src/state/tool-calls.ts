import type { WorkflowEventsSubscription } from '../__generated__/operations.ts';

type Event = WorkflowEventsSubscription['workflowEvents'];
type CallEvent = Extract<Event, { __typename: 'TaskToolCallEvent' }>;
type ResultEvent = Extract<Event, { __typename: 'TaskToolResultEvent' }>;

/** A tool call a task's model made, with its result once it came (a bounded preview). */
export interface ToolCall {
  callId: string;
  tool: string;
  arguments: string;
  at: string;
  /** The seq of the call's event: a call replayed after a resume is recognised by it. */
  seq: number;
  result: { ok: boolean; preview: string } | null;
}

/**
 * Tool calls by task key with one event applied. Pure. Idempotent: a replayed call (same seq) or
 * result is applied once, since a new snapshot re-applies the events received while it was read.
 */
export function applyToolEvent(calls: Readonly<Record<string, readonly ToolCall[]>>, e: CallEvent | ResultEvent): Record<string, readonly ToolCall[]> {
  const list = calls[e.key] ?? [];
  if (e.__typename === 'TaskToolCallEvent') {
    if (list.some((c) => c.seq === e.seq && c.callId === e.callId)) return calls;
    return { ...calls, [e.key]: [...list, { callId: e.callId, tool: e.tool, arguments: e.arguments, at: e.at, seq: e.seq, result: null }] };
  }
  // A call id may repeat across attempts: the result belongs to the latest call with that id.
  const i = list.findLastIndex((c) => c.callId === e.callId);
  if (i < 0) return calls;
  const next = [...list];
  next[i] = { ...list[i]!, result: { ok: e.ok, preview: e.preview } };
  return { ...calls, [e.key]: next };
}
