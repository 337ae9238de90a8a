import { useEffect, useRef, useState } from 'react';
import { WorkflowDetailDocument, WorkflowEventsDocument, WorkflowUsageDocument } from '../__generated__/operations.ts';
import { ApiError, request, subscribe } from '../api/client.ts';
import { applyEvent, applyUsage, fromSnapshot, needsSnapshot, needsUsage, type WorkflowEvent, type WorkflowView } from './workflow-view.ts';

/** How often usage is read while a task runs: its cost grows as it streams, and no event says so. */
export const USAGE_POLL_MS = 2000;

export interface WorkflowState {
  view: WorkflowView | null;
  error: string | null;
  /** The last stored event's seq seen (shown for tests and readers; resuming uses the cursor). */
  lastSeq: number;
  /** The last event's cursor: a resumed subscription starts right after it. */
  lastCursor: string | null;
  /** Subscriptions begun after a lost connection. */
  resumes: number;
}

/**
 * A workflow as it runs: the WorkflowDetail snapshot with every event since it was asked for
 * applied on top (so an event that raced the snapshot is never lost), from workflowEvents that
 * resumes with `after` = the last cursor received after each lost connection. Usage (per task and in
 * total) is read again (WorkflowUsage) after the events that change it, and every USAGE_POLL_MS while
 * a task runs.
 */
export function useWorkflow(id: string): WorkflowState {
  const [state, setState] = useState<WorkflowState>({ view: null, error: null, lastSeq: 0, lastCursor: null, resumes: 0 });
  const ref = useRef<{ lastSeq: number; lastCursor: string | null }>({ lastSeq: 0, lastCursor: null });

  useEffect(() => {
    let live = true;
    ref.current = { lastSeq: 0, lastCursor: null };
    /** Events received since the snapshot in flight (or the last one) was asked for. */
    let log: WorkflowEvent[] = [];
    /** The last snapshot with `log` applied, kept up to date one event at a time. */
    let view: WorkflowView | null = null;
    let fetching = false;
    let again = false;

    const render = () => setState((s) => ({ ...s, view, lastSeq: ref.current.lastSeq, lastCursor: ref.current.lastCursor }));

    const refresh = async (): Promise<void> => {
      if (fetching) {
        again = true;
        return;
      }
      fetching = true;
      const from = log.length;
      try {
        const { workflow } = await request(WorkflowDetailDocument, { id });
        if (!live) return;
        if (!workflow) {
          setState((s) => ({ ...s, error: 'No such workflow.' }));
          return;
        }
        // Events from before the request are in the snapshot; later ones are applied on top of it.
        log = log.slice(from);
        view = log.reduce(applyEvent, fromSnapshot(workflow, view));
        render();
      } catch (err) {
        if (live) setState((s) => ({ ...s, error: err instanceof ApiError ? err.message : 'could not load the workflow' }));
      } finally {
        fetching = false;
        if (again && live) {
          again = false;
          void refresh();
        }
      }
    };

    // One usage read at a time; asked for again while one is in flight, it runs once more after it.
    let usageBusy = false;
    let usageAgain = false;
    const refreshUsage = async (): Promise<void> => {
      if (usageBusy) {
        usageAgain = true;
        return;
      }
      usageBusy = true;
      try {
        const { workflow } = await request(WorkflowUsageDocument, { id });
        if (live && workflow && view) {
          view = applyUsage(view, workflow);
          render();
        }
      } catch {
        // Usage is a detail: the next event or poll reads it again; the page keeps what it has.
      } finally {
        usageBusy = false;
        if (usageAgain && live) {
          usageAgain = false;
          void refreshUsage();
        }
      }
    };
    // Calls aborted by a stop or a pause record what they used as they end, after the last event: two
    // more reads once nothing runs pick that up.
    let quietReads = 0;
    const poll = setInterval(() => {
      if (!view) return;
      if (view.tasks.some((t) => t.status === 'RUNNING')) quietReads = 0;
      else if (quietReads++ >= 2) return;
      void refreshUsage();
    }, USAGE_POLL_MS);

    void refresh();
    // No cursor yet: the whole stored log replays (tool calls are only in events). Then the last cursor.
    const stop = subscribe(WorkflowEventsDocument, () => ({ workflowId: id, ...(ref.current.lastCursor !== null && { after: ref.current.lastCursor }) }), {
      next: ({ workflowEvents: e }) => {
        // Cursors only move forward along a stream (schema): the last one received is where to resume.
        ref.current.lastCursor = e.cursor;
        // task_output chunks carry the seq of the stored event they follow: max() keeps the seq right.
        ref.current.lastSeq = Math.max(ref.current.lastSeq, e.seq);
        log.push(e);
        if (view) view = applyEvent(view, e);
        if (needsSnapshot(e, view)) void refresh();
        else if (needsUsage(e)) void refreshUsage();
        render();
      },
      reconnecting: () => setState((s) => ({ ...s, resumes: s.resumes + 1 })),
      error: (err) => setState((s) => ({ ...s, error: err.message })),
    });
    return () => {
      live = false;
      clearInterval(poll);
      stop();
    };
  }, [id]);

  return state;
}
