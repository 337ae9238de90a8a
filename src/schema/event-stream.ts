import { BadUserInputError, NotFoundError } from '../errors.ts';
import { interruptOnReconnect, resyncSignal } from '../events/catch-up.ts';
import type { WorkflowUpdate } from '../events/publisher.ts';
import { parseCursor, type Position, START } from '../events/cursor.ts';
import { hubFor, positionOf, type HubEvent } from '../events/hub.ts';
import { type DirectSink, replayThenLive } from '../events/replay.ts';
import { type AnyWorkflowEvent, WORKFLOW_UPDATED_TOPIC } from '../events/types.ts';
import { builder } from './builder.ts';
import { WorkflowStatusEnum } from './common.ts';
import { type Context, freshReads } from './context.ts';
import { WorkflowEvent } from './event.ts';
import { requireLocalId } from './ids.ts';
import { DIRECT, mapStream, type OfferDirect, unwrap } from './streams.ts';
import { Workflow } from './workflow.ts';

export const MAX_EVENTS_PAGE = 1000;

const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const TERMINAL_KINDS = new Set(['completed', 'failed', 'cancelled']);

/** The workflow's local id and whether it had finished, read now (before any subscription begins). */
async function existingWorkflow(ctx: Context, globalId: string): Promise<{ id: string; finished: boolean }> {
  const id = requireLocalId(globalId, 'Workflow');
  const wf = await ctx.loaders.workflow.load(id);
  if (!wf) throw new NotFoundError('Workflow', globalId);
  return { id, finished: FINISHED.has(wf.status) };
}

function checkAfterSeq(afterSeq: number | null | undefined): number {
  const n = afterSeq ?? 0;
  if (n < 0) throw new BadUserInputError(`afterSeq is expected to be 0 or more, but got ${n}`, { argument: 'afterSeq' });
  return n;
}

/** The position to resume from: `after` (a cursor) or `afterSeq`, not both. */
function startPosition(args: { afterSeq?: number | null; after?: string | null }): Position {
  if (args.after != null && args.afterSeq) {
    throw new BadUserInputError('pass either after (a cursor) or afterSeq, not both', { argument: 'after' });
  }
  if (args.after != null) return parseCursor(args.after);
  return { ...START, seq: checkAfterSeq(args.afterSeq) };
}

builder.queryField('workflowEvents', (t) =>
  t.field({
    type: [WorkflowEvent],
    description:
      `Stored events after \`after\` (a cursor; a chunk's cursor counts as its stored event's) or with seq > afterSeq, ` +
      `in order; at most \`first\` (up to ${MAX_EVENTS_PAGE}). NOT_FOUND for an unknown workflow.`,
    args: {
      workflowId: t.arg.id({ required: true }),
      afterSeq: t.arg.int({ defaultValue: 0 }),
      after: t.arg.string(),
      first: t.arg.int({ defaultValue: 100 }),
    },
    resolve: async (_root, args, ctx) => {
      const afterSeq = startPosition(args).seq;
      const { id } = await existingWorkflow(ctx, String(args.workflowId));
      const first = args.first ?? 100;
      if (first < 1 || first > MAX_EVENTS_PAGE) {
        throw new BadUserInputError(`first is expected to be between 1 and ${MAX_EVENTS_PAGE}, but got ${first}`, { argument: 'first' });
      }
      // Stored seqs have no gaps, so this range holds at most `first` events.
      const events = await ctx.services.workflows.eventsAfter(ctx.principal.tenant, id, afterSeq, afterSeq + first);
      return events.slice(0, first);
    },
  }),
);

builder.subscriptionFields((t) => ({
  workflowEvents: t.field({
    type: WorkflowEvent,
    description:
      'Replays what comes after `after` (the last cursor received) or after seq `afterSeq`, then streams live events, ' +
      'with no gap and no duplicate; cursors only move forward. Output chunks still buffered by the server come again ' +
      'on a resume from inside a run of chunks. By default the stream stays open after a terminal event (a retry can ' +
      'run the workflow again); with untilFinished it completes after completed, failed or cancelled (at once if the ' +
      'workflow had finished and nothing is left after `after`). To resume after a disconnect (or a SUBSCRIBER_LAGGED ' +
      'or EVENT_BUS_UNAVAILABLE error), subscribe again with the last cursor received. Events published while Redis ' +
      'was down arrive once it is back (read from the event log).',
    args: {
      workflowId: t.arg.id({ required: true }),
      afterSeq: t.arg.int({ defaultValue: 0 }),
      after: t.arg.string({ description: 'The last cursor received: the stream resumes right after it.' }),
      untilFinished: t.arg.boolean({ defaultValue: false, description: 'Complete the subscription after the terminal event.' }),
    },
    subscribe: async (_root, args, ctx) => {
      const after = startPosition(args);
      const { id, finished } = await existingWorkflow(ctx, String(args.workflowId));
      const untilFinished = args.untilFinished === true;
      let sub: Awaited<ReturnType<ReturnType<typeof hubFor>['subscribe']>> | undefined;
      let sink: DirectSink<HubEvent> | undefined;
      const events = replayThenLive<HubEvent>({
        after,
        subscribe: async () => (sub = await hubFor(ctx.services.bus).subscribe(id)),
        load: (from, until) => ctx.services.workflows.eventsAfter(ctx.principal.tenant, id, from, until) as Promise<HubEvent[]>,
        positionOf,
        bufferedChunks: (pos) => sub?.bufferedChunks(pos) ?? [],
        observe: (seq) => sub?.observe(seq),
        isTerminal: untilFinished ? (e) => TERMINAL_KINDS.has(e.kind) : undefined,
        finished: untilFinished && finished,
        resync: resyncSignal(ctx.services.bus, ctx.services.config.eventCatchUpMs),
        direct: () => sink,
      });
      const offer: OfferDirect = (s) => (sink = s);
      return Object.assign(
        mapStream<HubEvent, AnyWorkflowEvent>(events, (e) => e, ctx.shutdown),
        { [DIRECT]: offer },
      );
    },
    resolve: (item) => unwrap(item),
  }),
  workflowUpdated: t.field({
    type: Workflow,
    description:
      'A workflow whose status changed (to `status`, when given), as it is now. For list views. Ends with an ' +
      'EVENTS_INTERRUPTED error when the connection to Redis was lost (updates may have been missed): re-read, then subscribe again.',
    args: { status: t.arg({ type: WorkflowStatusEnum }) },
    subscribe: async (_root, args, ctx) => {
      const bus = ctx.services.bus;
      const updates = interruptOnReconnect(await bus.subscribe<WorkflowUpdate>(WORKFLOW_UPDATED_TOPIC), bus, 'workflow updates');
      return mapStream(
        updates,
        async (u) => {
          // Another tenant's update is dropped unread (and the scoped loader would not find it either).
          if (u.tenant !== ctx.principal.tenant) return undefined;
          if (args.status && u.status !== args.status) return undefined;
          // Each event is resolved with fresh reads: the context lives as long as the subscription.
          freshReads(ctx);
          // A workflow deleted since is skipped.
          return (await ctx.loaders.workflow.load(u.workflowId)) ?? undefined;
        },
        ctx.shutdown,
      );
    },
    resolve: (item) => unwrap(item),
  }),
}));
