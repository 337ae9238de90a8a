import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventsInterruptedError, interruptOnReconnect, resyncSignal } from '../../src/events/catch-up.ts';
import type { EventBus } from '../../src/events/event-bus.ts';
import { createMemoryBus } from '../../src/events/memory-bus.ts';

/** The memory bus plus a reconnect signal fired by hand, standing in for the Redis bus coming back. */
function reconnectingBus() {
  const listeners = new Set<() => void>();
  const bus: EventBus = {
    ...createMemoryBus(),
    onReconnect(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
  return { bus, listeners, reconnect: () => listeners.forEach((l) => l()) };
}

let r: ReturnType<typeof reconnectingBus>;
beforeEach(() => void (r = reconnectingBus()));
afterEach(() => r.bus.close());

describe('interruptOnReconnect', () => {
  it('delivers what arrived, then ends with EVENTS_INTERRUPTED when the bus reconnects, and lets go of the topic', async () => {
    const sub = interruptOnReconnect(await r.bus.subscribe<number>('t'), r.bus, 'workflow updates');
    await r.bus.publish('t', 1);
    expect(await sub.next()).toEqual({ done: false, value: 1 });
    await r.bus.publish('t', 2);
    const waiting = sub.next();
    expect(await waiting).toEqual({ done: false, value: 2 });
    const parked = sub.next();
    r.reconnect();
    const err = await parked.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EventsInterruptedError);
    expect(err).toMatchObject({ code: 'EVENTS_INTERRUPTED' });
    expect((err as Error).message).toContain('workflow updates');
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(r.listeners.size).toBe(0);
    await r.bus.publish('t', 3); // nobody listens any more: nothing to deliver, nothing thrown
  });

  it('return() ends a parked next() at once and unregisters', async () => {
    const sub = interruptOnReconnect(await r.bus.subscribe<number>('t'), r.bus, 'updates');
    const parked = sub.next();
    await sub.return!();
    expect(await parked).toEqual({ done: true, value: undefined });
    expect(r.listeners.size).toBe(0);
  });

  it('is the subscription itself on a bus that never loses messages', async () => {
    const bus = createMemoryBus();
    const sub = await bus.subscribe('t');
    expect(interruptOnReconnect(sub, bus, 'x')).toBe(sub);
    expect(resyncSignal(bus, 1000)).toBeUndefined();
    await bus.close();
  });
});

describe('resyncSignal', () => {
  it('fires on every reconnect and every everyMs, and stops when unregistered', async () => {
    const signal = resyncSignal(r.bus, 30)!;
    let fired = 0;
    const off = signal(() => fired++);
    r.reconnect();
    expect(fired).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fired).toBeGreaterThanOrEqual(2);
    off();
    const after = fired;
    r.reconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fired).toBe(after);
    expect(r.listeners.size).toBe(0);
  });

  it('with everyMs 0 fires on reconnects only', async () => {
    let fired = 0;
    const off = resyncSignal(r.bus, 0)!(() => fired++);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fired).toBe(0);
    r.reconnect();
    expect(fired).toBe(1);
    off();
  });
});
