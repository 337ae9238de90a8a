interface Pending<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit per key: requests for one key made while a batch of that key is
 * being written (or in the same turn of the event loop) are written together,
 * in arrival order, by one call of `write`, which returns one result per item.
 * Keys are independent; one key never has two batches in flight.
 */
export function createBatcher<In, Out>(write: (key: string, items: In[]) => Promise<Out[]>) {
  const waiting = new Map<string, Pending<In, Out>[]>();
  const busy = new Set<string>();

  async function flush(key: string) {
    const batch = waiting.get(key) ?? [];
    waiting.delete(key);
    try {
      const out = await write(
        key,
        batch.map((p) => p.item),
      );
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    } finally {
      busy.delete(key);
      if (waiting.has(key)) schedule(key);
    }
  }

  function schedule(key: string) {
    busy.add(key);
    setImmediate(() => void flush(key));
  }

  return (key: string, item: In): Promise<Out> =>
    new Promise<Out>((resolve, reject) => {
      const list = waiting.get(key);
      if (list) list.push({ item, resolve, reject });
      else waiting.set(key, [{ item, resolve, reject }]);
      if (!busy.has(key)) schedule(key);
    });
}
