/**
 * Runs started before their transaction commits, each behind a gate: opened with the
 * seq of its task_started once committed, on the next turn, after the callers have issued the
 * publish of the transaction's events (they run in this turn's microtasks); closed (null) if the
 * transaction failed.
 */
export function earlyStarts() {
  const started = new Map<string, (seq: number | null) => void>();
  return {
    gate(taskId: string): Promise<number | null> {
      return new Promise<number | null>((resolve) => started.set(taskId, resolve));
    },
    has: (taskId: string) => started.has(taskId),
    committed(events: Array<{ kind: string; seq: number; payload: unknown }>) {
      if (started.size === 0) return;
      const seqs = startedSeqs(events);
      setImmediate(() => started.forEach((open, id) => open(seqs.get(id) ?? null)));
    },
    failed: () => started.forEach((open) => open(null)),
  };
}

/** The seq of each task_started event, by task id. */
export function startedSeqs(events: Array<{ kind: string; seq: number; payload: unknown }>): Map<string, number> {
  return new Map(events.filter((e) => e.kind === 'task_started').map((e) => [(e.payload as { taskId: string }).taskId, e.seq]));
}
