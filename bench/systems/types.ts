import type { PathBreakdown } from '../fake-agent.ts';
import type { BenchGraph } from '../graphs.ts';

export interface RunResult {
  /** What the system's own clock says the run took (see `timing`). */
  makespanMs: number;
  /** First model call to last model end, from the fake agent(s). */
  modelSpanMs: number;
  /** Creating the workflow / building and compiling the graph: before the clock starts. */
  setupMs: number;
  /** Model calls made (every task exactly once when nothing fails). */
  calls: number;
  /** Ready-to-running delay of tasks (see handoffs() in fake-agent.ts), ms. */
  handoff: { p50: number; p99: number; max: number };
  /** The run's makespan split along the path that decided its end. */
  path?: PathBreakdown;
  /** CPU time used during the run by this process and its helper processes (not by PostgreSQL or Redis), ms. */
  cpuMs: number;
  /** Peak RSS of helper processes during the run (BullMQ workers), bytes each. */
  helperPeakRss?: number[];
  /** HTTP variants: TCP connections the model server accepted during the run (keep-alive reuses them). */
  connections?: number;
}

export interface LatencyResult {
  subscribers: number;
  transport?: 'ws' | 'sse';
  /** Growth of the API process's RSS from before the subscribers connected to when all were subscribed (after a GC when exposed), per subscriber, bytes. */
  rssPerSubscriber?: number;
  /** State-change events each subscriber should have seen. */
  expectedPerSubscriber: number;
  /** Subscribers that missed at least one of them. */
  incomplete: number;
  /** Subscriptions that ended with an error, and a few of the errors. */
  errors: number;
  errorSamples: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** startWorkflow → every subscriber has seen the end (delivery included). */
  makespanMs: number;
  /** startWorkflow → the run's completed event reached the API process (the run itself, watched). */
  runMakespanMs?: number;
  /** CPU time of the API process (and its helpers) during the watched run, ms: compare with the unwatched run's. */
  cpuMs?: number;
  /** CPU of the subscriber process (the clients) during the run: when it nears the wall time, the clients are what delays delivery. */
  clientCpuMs?: number;
  helperPeakRss?: number[];
}

export interface BenchSystem {
  name: string;
  label: string;
  /** How makespanMs is measured. */
  timing: string;
  setup(): Promise<void>;
  /** Model calls one run makes (default: one per task). */
  expectedCalls?(graph: BenchGraph): number;
  run(graph: BenchGraph): Promise<RunResult>;
  /** Event delivery to `subscribers` subscribers of one running workflow (Baton only). */
  latency?(graph: BenchGraph, subscribers: number, transport?: 'ws' | 'sse'): Promise<LatencyResult>;
  teardown(): Promise<void>;
}
