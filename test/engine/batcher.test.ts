import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/engine/store/batcher.ts';

describe('createBatcher (group commit per key)', () => {
  it('writes requests of one turn together, in order, and queues the next ones behind the batch in flight', async () => {
    const writes: Array<[string, number[]]> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batched = createBatcher<number, string>(async (key, items) => {
      writes.push([key, items]);
      if (writes.length === 1) await gate;
      return items.map((i) => `${key}:${i}`);
    });
    const first = [batched('a', 1), batched('a', 2), batched('b', 9)];
    await new Promise((r) => setImmediate(r));
    const later = [batched('a', 3), batched('a', 4)];
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([
      ['a', [1, 2]],
      ['b', [9]],
    ]); // a's second batch waits for the first
    release();
    expect(await Promise.all([...first, ...later])).toEqual(['a:1', 'a:2', 'b:9', 'a:3', 'a:4']);
    expect(writes).toEqual([
      ['a', [1, 2]],
      ['b', [9]],
      ['a', [3, 4]],
    ]);
  });

  it('rejects every request of a failed batch and keeps serving the key', async () => {
    let fail = true;
    const batched = createBatcher<number, number>(async (_k, items) => {
      if (fail) throw new Error('disk full');
      return items.map((i) => i * 2);
    });
    const failed = await Promise.allSettled([batched('k', 1), batched('k', 2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batched('k', 5)).toBe(10);
  });
});
