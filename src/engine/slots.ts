/** How many tasks one process runs at once: in all, and per agent. */
export interface SlotLimits {
  max: number;
  perAgent: number;
}

/** A turn waiting for a slot; the slot is handed over on a release, so the count never dips between. */
type Waiter = () => void;

/**
 * The slots of one process, counted in one place: the queue's runs take them (a task: a slot in all
 * and one of its agent's; a BullMQ plan: one in all), and the scheduler reserves them for the
 * dependents a completion continues here. No I/O, no timers: the dispatchers and the scheduler
 * decide nothing about limits themselves.
 *
 * A slot is taken at once only when no one waits for it (`take` never overtakes `acquire`). A queue
 * that keeps its waiting tasks itself (the local one) starts one whenever a slot frees (`onFree`), so
 * between two calls no task of an agent waits while that agent and the process have room, and a
 * reservation cannot overtake one either.
 */
export function createSlots(limits: SlotLimits) {
  let busy = 0;
  const perAgent = new Map<string, number>();
  const turns: Waiter[] = []; // for a slot in all
  const agentTurns = new Map<string, Waiter[]>(); // for an agent's slot, the slot in all held
  const freed: Array<() => void> = [];
  let open = false;
  let closed = false;

  const used = (agent: string) => perAgent.get(agent) ?? 0;
  const agentRoom = (agent: string) => used(agent) < limits.perAgent && !agentTurns.get(agent)?.length;
  const allRoom = () => busy < limits.max && turns.length === 0;

  function takeAgent(agent: string) {
    perAgent.set(agent, used(agent) + 1);
  }
  function releaseAgent(agent: string) {
    const q = agentTurns.get(agent);
    const next = q?.shift();
    if (q && q.length === 0) agentTurns.delete(agent);
    if (next) return next(); // handed over: the count stays
    const n = used(agent) - 1;
    // Only agents with a task here are kept, so the map does not grow with every agent ever seen.
    if (n > 0) perAgent.set(agent, n);
    else perAgent.delete(agent);
  }
  function releaseAll() {
    const next = turns.shift();
    if (next) return next();
    busy--;
  }

  const slots = {
    limits,
    /** Whether a run of this agent's (none: a plan, which takes no agent's slot) could start now. */
    room(agent?: string): boolean {
      return allRoom() && (agent === undefined || agentRoom(agent));
    },
    /** A slot now, or false; never ahead of a run waiting in `acquire`. */
    take(agent?: string): boolean {
      if (!slots.room(agent)) return false;
      busy++;
      if (agent !== undefined) takeAgent(agent);
      return true;
    },
    /**
     * A slot when its turn comes: first one in all, then (holding it) one of the agent's, each in
     * the order asked (a BullMQ worker takes up to `max` jobs, which wait here for their slots).
     */
    async acquire(agent?: string): Promise<void> {
      if (allRoom()) busy++;
      else await new Promise<void>((resolve) => turns.push(resolve));
      if (agent === undefined) return;
      if (agentRoom(agent)) return takeAgent(agent);
      let q = agentTurns.get(agent);
      if (!q) agentTurns.set(agent, (q = []));
      await new Promise<void>((resolve) => q.push(resolve));
    },
    /** Gives back a run's slot (and its agent's): to the next in turn, or free (listeners told). */
    release(agent?: string): void {
      if (agent !== undefined) releaseAgent(agent);
      releaseAll();
      for (const f of freed) f();
    },
    /** Called after every release (the local queue starts its next task). */
    onFree(listener: () => void): void {
      freed.push(listener);
    },
    /** The worker role: from now on the scheduler may reserve slots (see `reserve`). */
    open(): void {
      open = true;
    },
    /** Stopping: no more reservations (the queue stops taking work on its own). */
    close(): void {
      closed = true;
    },
    /**
     * A slot for a dependent of this agent that this process will claim and run at once (continued
     * by the runner that completed its last dependency, without a trip through the queue). False when
     * the process runs no tasks, is stopping, or has no room; the dependent is then queued as usual.
     */
    reserve(agent: string): boolean {
      return open && !closed && slots.take(agent);
    },
    /** Gives back a reserved slot that was not used (a used one is released when its run ends). */
    unreserve(agent: string): void {
      slots.release(agent);
    },
    /** Slots taken (running, reserved, or handed to a run about to start), in all or of one agent. */
    busy(agent?: string): number {
      return agent === undefined ? busy : used(agent);
    },
  };
  return slots;
}

export type ProcessSlots = ReturnType<typeof createSlots>;
