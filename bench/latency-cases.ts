/** The event-delivery cases: graphql-ws or SSE subscribers watching one run (bench/subscribers.ts). */
export type Transport = 'ws' | 'sse';

export const LATENCY_CASES: Record<string, { transport: Transport; subscribers: number }> = {
  latency500: { transport: 'ws', subscribers: 500 },
  latency5000: { transport: 'ws', subscribers: 5000 },
  sse500: { transport: 'sse', subscribers: 500 },
};

export const isLatencyCase = (name: string) => name in LATENCY_CASES;
