import { BadUserInputError, NotFoundError } from '../errors.ts';
import { interruptOnReconnect, resyncSignal } from '../events/catch-up.ts';
import type { WorkflowUpdate } from '../events/publisher.ts';
import { replayThenLive } from '../events/replay.ts';
import { type AnyWorkflowEvent, WORKFLOW_UPDATED_TOPIC, workflowTopic } from '../events/types.ts';
import { builder } from './builder.ts';
import { WorkflowStatusEnum } from './common.ts';
import { type Context, freshReads } from './context.ts';
import { WorkflowEvent } from './event.ts';
import { requireLocalId } from './ids.ts';
import { mapStream, unwrap } from './streams.ts';
import { Workflow } from './workflow.ts';


export const MAX_EVENTS_PAGE = 1000;

async function existingWorkflowId(ctx: Context, globalId: string): Promise<string> {
  const id = requireLocalId(globalId, 'Workflow');
  if (!(await ctx.loaders.workflow.load(id))) throw new NotFoundError('Workflow', globalId);
  return id;
}

function checkAfterSeq(afterSeq: number | null | undefined): number {
  const n = afterSeq ?? 0;
  if (n < 0) throw new BadUserInputError(`afterSeq is expected to be 0 or more, but got ${n}`, { argument: 'afterSeq' });
  return n;
}

builder.queryField('workflowEvents', (t) =>
  t.field({
    type: [WorkflowEvent],
    description: `Stored events with seq > afterSeq, in order; at most \`first\` (up to ${MAX_EVENTS_PAGE}). NOT_FOUND for an unknown workflow.`,
    args: {
      workflowId: t.arg.id({ required: true }),
      afterSeq: t.arg.int({ defaultValue: 0 }),
      first: t.arg.int({ defaultValue: 100 }),
    },
    resolve: async (_root, args, ctx) => {
      const id = await existingWorkflowId(ctx, String(args.workflowId));
      const afterSeq = checkAfterSeq(args.afterSeq);
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
      'Replays stored events with seq > afterSeq, then streams live ones, with no gap and no duplicate. ' +
      'It stays open after a terminal event (a retry can run the workflow again). To resume after a ' +
      'disconnect (or a SUBSCRIBER_LAGGED or EVENT_BUS_UNAVAILABLE error), subscribe again with the last seq received. ' +
      'Events published while Redis was down arrive once it is back (read from the event log).',
    args: {
      workflowId: t.arg.id({ required: true }),
      afterSeq: t.arg.int({ defaultValue: 0 }),
    },
    subscribe: async (_root, args, ctx) => {
      const id = await existingWorkflowId(ctx, String(args.workflowId));
      const events = replayThenLive<AnyWorkflowEvent>({
        afterSeq: checkAfterSeq(args.afterSeq),
        subscribe: () => ctx.services.bus.subscribe<AnyWorkflowEvent>(workflowTopic(id)),
        load: (after, until) => ctx.services.workflows.eventsAfter(ctx.principal.tenant, id, after, until),
        resync: resyncSignal(ctx.services.bus, ctx.services.config.eventCatchUpMs),
      });
      return mapStream(events, (e) => e, ctx.shutdown);
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
      return mapStream(updates, async (u) => {
        // Another tenant's update is dropped unread (and the scoped loader would not find it either).
        if (u.tenant !== ctx.principal.tenant) return undefined;
        if (args.status && u.status !== args.status) return undefined;
        // Each event is resolved with fresh reads: the context lives as long as the subscription.
        freshReads(ctx);
        // A workflow deleted since is skipped.
        return (await ctx.loaders.workflow.load(u.workflowId)) ?? undefined;
      }, ctx.shutdown);
    },
    resolve: (item) => unwrap(item),
  }),
}));
