/** One task of a plan, before it is stored. Keys are the plan's task numbers as strings ("1".."N"). */
export interface PlannedTask {
  key: string;
  /** Agent name without the leading "@", lower-cased. */
  agent: string;
  description: string;
  /** Keys of the tasks this one depends on, in the order written, without duplicates. */
  dependsOn: string[];
  /** 1-based line of the plan text the task came from, when it came from text. */
  line?: number;
  /** When the task waits for a person (NONE when absent). */
  approval?: 'NONE' | 'BEFORE_RUN' | 'AFTER_RUN';
}

/** A plan that passed validation: tasks in plan order plus derived graph facts. */
export interface ValidatedPlan {
  tasks: PlannedTask[];
  /** key -> keys of the tasks that depend on it directly, in plan order. */
  dependents: Record<string, string[]>;
  /** Keys in a topological order (ties broken by plan order). */
  topoOrder: string[];
}
