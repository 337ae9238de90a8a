import { draft, type EventDraft } from '../engine/core/index.ts';
import type { Committed, RunStore } from '../engine/store/index.ts';
import type { ClaimedTask } from '../engine/types.ts';
import { toStorableText } from '../text.ts';
import type { ToolCallRecord } from './tool-loop.ts';

/** The run lost its task (cancelled, or taken over after its lease expired): its loop stops. */
export class ToolRunSupersededError extends Error {
  override name = 'NotClaimedSignal'; // classified like a claim that did not commit: never retried
}

/**
 * Stores task_tool_call / task_tool_result events in the workflow's event log (seq order, like every
 * other event), only while this run still holds the task, and publishes them after the commit.
 */
export function createToolEvents(runs: () => RunStore, publish: (c: Committed<unknown>) => Promise<void>) {
  async function store(task: ClaimedTask, events: EventDraft[]) {
    const c = await runs().taskEvents(task, events);
    if (!c.value) throw new ToolRunSupersededError('the task is no longer held by this run');
    await publish(c);
  }
  const ref = (t: ClaimedTask) => ({ taskId: t.taskId, key: t.key, agent: t.agent });
  return {
    calls: (task: ClaimedTask, calls: ToolCallRecord[]) =>
      store(
        task,
        calls.map((c) => draft('task_tool_call', { ...ref(task), tool: toStorableText(c.tool), arguments: toStorableText(c.arguments), callId: toStorableText(c.callId) })),
      ),
    result: (task: ClaimedTask, r: { callId: string; ok: boolean; preview: string }) =>
      store(task, [draft('task_tool_result', { ...ref(task), callId: toStorableText(r.callId), ok: r.ok, preview: toStorableText(r.preview) })]),
  };
}

export type ToolEvents = ReturnType<typeof createToolEvents>;
