import { describe, expect, it } from 'vitest';
import type { Committed } from '../../src/engine/store/transition.ts';
import type { EventBus } from '../../src/events/event-bus.ts';
import { createPublisher } from '../../src/events/publisher.ts';
import { type AnyWorkflowEvent, WORKFLOW_UPDATED_TOPIC } from '../../src/events/types.ts';
import { createLogger } from '../../src/logger.ts';

/** A bus that is "down" on demand (publish rejects), records what got through, and reconnects by hand. */
function flakyBus() {
  const sent: Array<{ topic: string; payload: unknown }> = [];
  const listeners = new Set<() => void>();
  const state = { down: false, attempts: 0 };
  const bus: EventBus = {
    async publish(topic, payload) {
      state.attempts++;
      if (state.down) throw new Error('redis is down');
      sent.push({ topic, payload });
    },
    subscribe: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
    onReconnect(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
  return { bus, sent, state, reconnect: () => listeners.forEach((l) => l()) };
}

const ev = (workflowId: string, seq: number): AnyWorkflowEvent => ({
  workflowId,
  seq,
  kind: 'progress',
  at: '2026-01-01T00:00:00.000Z',
  payload: { completed: seq, total: 9, percent: 0 },
});
const committed = (events: AnyWorkflowEvent[], status = 'EXECUTING', statusChanged = false) => ({ value: undefined, events, status, statusChanged }) as Committed<unknown>;
const logger = createLogger('silent');
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('publisher across an outage', () => {
  it('never throws while the bus is down, and on reconnect resends the latest lost event per workflow and its latest status', async () => {
    const f = flakyBus();
    const p = createPublisher(f.bus, logger);
    await p.committed(committed([ev('a', 1)], 'EXECUTING', true));
    f.state.down = true;
    await expect(p.committed(committed([ev('a', 2), ev('a', 3)]))).resolves.toBeUndefined();
    await p.committed(committed([ev('b', 7)]));
    await p.committed(committed([ev('a', 4)], 'COMPLETED', true));
    p.live({ ...ev('a', 4), kind: 'task_output' } as AnyWorkflowEvent); // dropped quietly, never resent
    f.state.down = false;
    f.sent.length = 0;
    f.reconnect();
    await flush();
    const seqs = f.sent.filter((s) => s.topic !== WORKFLOW_UPDATED_TOPIC).map((s) => `${s.topic}#${(s.payload as AnyWorkflowEvent).seq}`);
    expect(seqs.sort()).toEqual(['workflow.a#4', 'workflow.b#7']);
    expect(f.sent.filter((s) => s.topic === WORKFLOW_UPDATED_TOPIC).map((s) => s.payload)).toEqual([{ workflowId: 'a', status: 'COMPLETED' }]);
    // Sent once: a second reconnect has nothing left to send.
    f.sent.length = 0;
    f.reconnect();
    await flush();
    expect(f.sent).toEqual([]);
  });

  it('forgets a lost event once a later one of the same workflow got through', async () => {
    const f = flakyBus();
    const p = createPublisher(f.bus, logger);
    f.state.down = true;
    await p.committed(committed([ev('a', 1)]));
    f.state.down = false;
    await p.committed(committed([ev('a', 2)]));
    f.sent.length = 0;
    f.reconnect();
    await flush();
    expect(f.sent).toEqual([]);
  });

  it('what fails again on reconnect is kept for the next one', async () => {
    const f = flakyBus();
    const p = createPublisher(f.bus, logger);
    f.state.down = true;
    await p.committed(committed([ev('a', 1)]));
    f.reconnect(); // a blip: down again before the resend
    await flush();
    f.state.down = false;
    f.reconnect();
    await flush();
    expect(f.sent.map((s) => (s.payload as AnyWorkflowEvent).seq)).toEqual([1]);
  });
});
