import { BufferedSubscription, DEFAULT_BUFFER_SIZE, toJson, type BusSubscription, type EventBus } from './event-bus.ts';

/**
 * In-process bus: `publish` copies the payload through JSON once (so
 * subscribers see what Redis would deliver and cannot mutate the publisher's
 * object) and pushes it synchronously into every subscriber's buffer.
 */
export function createMemoryBus(): EventBus {
  const topics = new Map<string, Set<BufferedSubscription<unknown>>>();
  let closed = false;

  return {
    async publish(topic, payload) {
      const json = toJson(payload);
      const subs = topics.get(topic);
      if (!subs?.size) return;
      const copy: unknown = JSON.parse(json);
      // Copy the set: a push may end a lagging subscription, which removes it from `subs`.
      for (const sub of [...subs]) sub.push(copy);
    },

    async subscribe<T>(topic: string, opts: { bufferSize?: number } = {}): Promise<BusSubscription<T>> {
      if (closed) throw new Error(`cannot subscribe to ${topic}: the event bus is closed`);
      let subs = topics.get(topic);
      if (!subs) topics.set(topic, (subs = new Set()));
      const set = subs;
      const sub = new BufferedSubscription<unknown>(opts.bufferSize ?? DEFAULT_BUFFER_SIZE, () => {
        set.delete(sub);
        if (set.size === 0 && topics.get(topic) === set) topics.delete(topic);
      });
      set.add(sub);
      return sub as BusSubscription<T>;
    },

    async close() {
      closed = true;
      for (const subs of [...topics.values()]) for (const sub of [...subs]) sub.close('bus closed');
      topics.clear();
    },
  };
}
