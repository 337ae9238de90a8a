import { describe, expect, it } from 'vitest';
import { createLocalDispatcher } from '../../src/engine/local-dispatcher.ts';
import { createSlots } from '../../src/engine/slots.ts';
import type { ReadyTask } from '../../src/engine/types.ts';

const silent = { error() {}, warn() {}, info() {}, debug() {} } as never;
const task = (workflowId: string, i: number, agent = 'dev'): ReadyTask => ({ taskId: `${workflowId}-${i}`, workflowId, key: String(i), agent, orderIndex: i });

describe('the local dispatcher', () => {
  it('runs earlier workflows first and forgets a workflow once nothing of it is queued or running', async () => {
    const d = createLocalDispatcher({ logger: silent });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await d.startWorking(
      async (t) => {
        order.push(t.taskId);
        if (t.taskId === 'w1-0') await gate;
      },
      async () => {},
      createSlots({ max: 1, perAgent: 1 }),
    );
    await d.enqueue([task('w1', 0)]);
    await d.enqueue([task('w2', 0), task('w2', 1)]);
    await d.enqueue([task('w1', 5)]);
    expect(d.liveWorkflows).toBe(2);
    release();
    for (let i = 0; i < 100 && (order.length < 4 || d.liveWorkflows > 0); i++) await new Promise((r) => setTimeout(r, 5));
    await d.stop(1000);
    expect(order).toEqual(['w1-0', 'w1-5', 'w2-0', 'w2-1']);
    expect(d.liveWorkflows).toBe(0);
    expect(d.capabilities.sharedQueue).toBe(false);
  });
});
