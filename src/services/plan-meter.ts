import { NO_USAGE } from '../engine/core/budget.ts';
import type { Engine } from '../engine/engine.ts';
import type { PlanMeter } from '../planning/planner.ts';

/**
 * The orchestrator's calls of one planning job (its first plan or a replan), counted toward the
 * workflow's usage: `meter` for the planner, `done` records what they used (after the calls, whether
 * they succeeded or not).
 */
export function planMetering(engine: Pick<Engine, 'meter'>, workflowId: string): { meter: PlanMeter; done(): Promise<void> } {
  let metering: ReturnType<Engine['meter']['attempt']> | undefined;
  return {
    meter: (o) => (metering ??= engine.meter.attempt({ workflowId, taskId: null, attempt: 1, agent: o.name, model: o.model, price: o.price, budget: null, stored: NO_USAGE })),
    async done() {
      await metering?.flush();
      metering?.close();
    },
  };
}
