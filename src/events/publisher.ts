import type { Logger } from '../logger.ts';
import type { EventBus } from './event-bus.ts';
import { type AnyWorkflowEvent, WORKFLOW_UPDATED_TOPIC, workflowTopic } from './types.ts';

/** What a committed transition hands the publisher (the engine's Committed is one): events depend on nothing of the engine. */
export interface CommittedEvents {
  events: AnyWorkflowEvent[];
  status: string;
  statusChanged: boolean;
  /** The workflow's tenant: a status change is announced to that tenant only. */
  tenant: string;
}

export interface WorkflowUpdate {
  workflowId: string;
  status: string;
  /** The workflow's tenant: subscribers of other tenants drop the update unread. */
  tenant: string;
}

/** Most topics whose lost publish is remembered; beyond it the oldest is forgotten (readers' periodic catch-up still finds it). */
const MAX_MISSED = 10_000;

interface Missed {
  topic: string;
  payload: unknown;
  /** The event's seq; 0 for a workflow update. */
  seq: number;
}

/**
 * Publishes what a transition committed. A publish that fails is logged, not
 * thrown: the events are in the log, and subscribers recover them with afterSeq.
 * The latest lost message per workflow (event, and status update) is sent
 * again when the bus is back: a subscriber in another process, whose own
 * connection never dropped, then fills the gap from the log at once, and
 * workflowUpdated gets the final status. (Republishing is safe: readers drop
 * an event whose seq they have seen.)
 */
export function createPublisher(bus: EventBus, logger: Logger) {
  const missed = new Map<string, Missed>();
  // One warning per run of failures (an outage fails every publish), not one per event.
  let failing = false;
  const remember = (key: string, m: Missed) => {
    const had = missed.get(key);
    if (had && had.seq > m.seq) return;
    missed.delete(key); // re-inserted last: Map order is age order
    missed.set(key, m);
    if (missed.size > MAX_MISSED) missed.delete(missed.keys().next().value!);
  };
  const send = (key: string, m: Missed) =>
    bus.publish(m.topic, m.payload).then(
      () => {
        failing = false;
        const had = missed.get(key);
        if (had && had.seq <= m.seq) missed.delete(key);
      },
      (err) => {
        remember(key, m);
        if (!failing) logger.warn({ err: String(err) }, 'publish failed; subscribers will catch up from the event log');
        failing = true;
      },
    );
  bus.onReconnect?.(() => {
    const again = [...missed];
    missed.clear();
    for (const [key, m] of again) void send(key, m);
  });

  return {
    async committed(c: CommittedEvents) {
      const first = c.events[0];
      if (!first) return;
      const topic = workflowTopic(first.workflowId);
      // Issued back to back without waiting: one Redis connection sends them in this order.
      const sent = c.events.map((e) => send(topic, { topic, payload: e, seq: e.seq }));
      if (c.statusChanged) {
        const update: WorkflowUpdate = { workflowId: first.workflowId, status: c.status, tenant: c.tenant };
        sent.push(send(`updated:${first.workflowId}`, { topic: WORKFLOW_UPDATED_TOPIC, payload: update, seq: 0 }));
      }
      await Promise.all(sent);
    },
    live(e: AnyWorkflowEvent) {
      // Live-only chunks are not worth resending: the stored events carry the whole output.
      void bus.publish(workflowTopic(e.workflowId), e).catch(() => undefined);
    },
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
