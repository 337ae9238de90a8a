import type { Committed } from '../engine/transition.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from './event-bus.ts';
import { type AnyWorkflowEvent, WORKFLOW_UPDATED_TOPIC, workflowTopic } from './types.ts';

export interface WorkflowUpdate {
  workflowId: string;
  status: string;
  /** The workflow's tenant: subscribers of other tenants drop the update unread. */
  tenant: string;
}

/**
 * Publishes what a transition committed. A publish that fails is logged, not
 * thrown: the events are in the log, and subscribers recover them with afterSeq.
 */
export function createPublisher(bus: EventBus, logger: Logger) {
  const safe = (p: Promise<void>) => p.catch((err) => logger.warn({ err: String(err) }, 'publish failed; subscribers will catch up from the event log'));
  return {
    async committed(c: Committed<unknown>) {
      const first = c.events[0];
      if (!first) return;
      const topic = workflowTopic(first.workflowId);
      // Issued back to back without waiting: one Redis connection sends them in this order.
      const sent = c.events.map((e) => safe(bus.publish(topic, e)));
      if (c.statusChanged) sent.push(safe(bus.publish(WORKFLOW_UPDATED_TOPIC, { workflowId: first.workflowId, status: c.status, tenant: c.tenant } satisfies WorkflowUpdate)));
      await Promise.all(sent);
    },
    live(e: AnyWorkflowEvent) {
      void safe(bus.publish(workflowTopic(e.workflowId), e));
    },
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
