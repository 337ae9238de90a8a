import { z } from 'zod';
import { MODEL_FORMAT, parseModel } from './agents/providers.ts';
import { isLoopback, isOrigin } from './net-address.ts';

export { isLoopback };
import type { Budget } from './engine/core/budget.ts';
import { parseModelPrices, type Price, PriceTableError } from './usage/prices.ts';
import { parseWorkspaceUrl, type S3Location, WORKSPACE_URL_FORMAT } from './tools/workspace-url.ts';

const int = (min: number, def: number) =>
  z.coerce
    .number({ error: 'an integer' })
    .int({ error: 'an integer' })
    .min(min, { error: `an integer of at least ${min}` })
    .default(def);
const url = (protocols: string[]) =>
  z
    .string()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    )
    .optional();

const schema = z.object({
  PORT: int(0, 4000).refine((n) => n <= 65535, 'a port number up to 65535'),
  HOST: z.string().min(1).default('127.0.0.1'),
  AUTH: z.enum(['required', 'off']).optional(),
  GRAPHIQL: z.enum(['on', 'off']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  SQLITE_PATH: z.string().min(1).default('./data/baton.sqlite'),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_PREFIX: z.string().default('baton:'),
  LLM_MODEL: z
    .string()
    .refine((v) => parseModel(v).ok, MODEL_FORMAT)
    .default('offline'),
  LLM_BASE_URL: url(['http:', 'https:']),
  LLM_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: url(['http:', 'https:']),
  ANTHROPIC_BASE_URL: url(['http:', 'https:']),
  OLLAMA_BASE_URL: url(['http:', 'https:']),
  OFFLINE_TOKEN_DELAY_MS: int(0, 5),
  OPENAI_API_KEY: z.string().optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  MAX_CONCURRENCY: int(1, 8),
  AGENT_CONCURRENCY: int(1, 4),
  TASK_TIMEOUT_MS: int(100, 120_000),
  TASK_MAX_ATTEMPTS: int(1, 3),
  RETRY_BASE_MS: int(0, 500),
  RETRY_MAX_MS: int(0, 30_000),
  PLAN_TIMEOUT_MS: int(100, 120_000),
  PLAN_MAX_ATTEMPTS: int(1, 3),
  CONTEXT_BUDGET_CHARS: int(1000, 60_000),
  SHUTDOWN_GRACE_MS: int(0, 10_000),
  BULLMQ_LOCK_MS: int(100, 15_000),
  RECONCILE_MS: int(0, 30_000),
  EVENT_CATCHUP_MS: int(0, 5000),
  MAX_TASKS: int(1, 200),
  MAX_TEXT_CHARS: int(100, 20_000),
  METRICS_PORT: z.coerce
    .number({ error: 'an integer' })
    .int({ error: 'an integer' })
    .min(0, { error: 'a port number from 0 to 65535' })
    .max(65535, { error: 'a port number from 0 to 65535' })
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']),
  OTEL_SERVICE_NAME: z.string().min(1).max(200).default('baton'),
  MAX_QUERY_DEPTH: int(1, 6),
  MAX_QUERY_ALIASES: int(0, 10),
  MAX_QUERY_DIRECTIVES: int(0, 20),
  MAX_QUERY_TOKENS: int(10, 1000),
  MAX_QUERY_COST: int(1, 5000),
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every(isOrigin), 'a comma-separated list of origins like https://app.example.com (scheme://host[:port], no path)')
    .default([]),
  RATE_LIMIT_PER_MIN: int(0, 600),
  PLAN_RATE_LIMIT_PER_MIN: int(0, 30),
  TOOL_COMMANDS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((c) => /^[\w.+-]+$/.test(c)), 'a comma-separated list of executable names like node,npx (names, not paths)')
    .default([]),
  TASK_MAX_TOOL_STEPS: int(1, 20),
  MODEL_PRICES: z.string().optional(),
  DEFAULT_BUDGET_TOKENS: z.coerce.number({ error: 'an integer' }).int({ error: 'an integer' }).min(1, { error: 'an integer of at least 1' }).optional(),
  DEFAULT_BUDGET_USD: z.coerce.number({ error: 'a number' }).positive({ error: 'a positive number of US dollars' }).finite().optional(),
  TOOL_TIMEOUT_MS: int(100, 30_000),
  WORKSPACE_DIR: z.string().min(1).default('./data/workspaces'),
  WORKSPACE_URL: z
    .string()
    .transform((v, ctx) => parseWorkspaceUrl(v) ?? (ctx.addIssue({ code: 'custom', message: WORKSPACE_URL_FORMAT }), z.NEVER))
    .optional(),
  AWS_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, 'a region name like eu-west-1')
    .optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  port: number;
  host: string;
  /** `required`: every request carries an API key. Default `off` only on a loopback HOST with no DATABASE_URL. */
  auth: 'required' | 'off';
  /** GraphiQL (and introspection with it): on by default with AUTH=off, off when auth is required. */
  graphiql: boolean;
  databaseUrl?: string;
  sqlitePath: string;
  redisUrl?: string;
  redisPrefix: string;
  llmModel: string;
  /** The endpoint of `openai-compatible:` models, and of no other provider. */
  llmBaseUrl?: string;
  /** Each provider's own endpoint (unset: the provider's default); its key is sent there only. */
  openaiBaseUrl?: string;
  anthropicBaseUrl?: string;
  ollamaBaseUrl?: string;
  /** Pause between the offline model's streamed chunks, so a demo streams at a visible pace. */
  offlineTokenDelayMs: number;
  /** Provider keys, handed to the model clients only; never logged. */
  apiKeys: { openai?: string; anthropic?: string; 'openai-compatible'?: string };
  logLevel: Env['LOG_LEVEL'];
  role: Env['ROLE'];
  maxConcurrency: number;
  agentConcurrency: number;
  taskTimeoutMs: number;
  taskMaxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  planTimeoutMs: number;
  planMaxAttempts: number;
  contextBudgetChars: number;
  shutdownGraceMs: number;
  /** BullMQ job lock duration: a killed worker's running jobs move to another worker after about this long. */
  bullmqLockMs: number;
  /** With Redis: how often a worker re-queues READY tasks that lost their job (0 = never). */
  reconcileMs: number;
  /** With Redis: how often an open workflowEvents subscription re-reads the event log for events whose publish was lost (0 = only when the bus reconnects). */
  eventCatchUpMs: number;
  /** Most tasks one workflow may have. */
  maxTasks: number;
  /** Longest request, description or task description accepted, in characters. */
  maxTextChars: number;
  /** A separate listener serving only GET /metrics (on HOST), e.g. for worker processes; unset: none. */
  metricsPort?: number;
  /** OpenTelemetry traces go to this OTLP/HTTP collector; unset: no tracing at all. */
  otlpEndpoint?: string;
  otelServiceName: string;
  /** graphql-armor limits on every operation (HTTP, SSE and graphql-ws), checked before it runs. */
  queryLimits: { depth: number; aliases: number; directives: number; tokens: number; cost: number };
  /** Origins a browser page may call Baton from (exact `scheme://host[:port]`); none by default. */
  corsOrigins: string[];
  /** Operations per minute per API key (per client address with AUTH=off); planning counts against both. 0 = no limit. */
  rateLimitPerMin: number;
  /** Planning operations (planWorkflow, replanWorkflow) per minute per key or address. 0 = no limit. */
  planRateLimitPerMin: number;
  /** Executable names a stdio tool server may run (TOOL_COMMANDS); none by default. */
  toolCommands: string[];
  /** Model turns one task's tool loop may take before it fails (TASK_MAX_TOOL_STEPS). */
  taskMaxToolSteps: number;
  /** Default timeout of one tool call; a tool server may set its own. */
  toolTimeoutMs: number;
  /** Embedded mode: a directory per workflow under this one. */
  workspaceDir: string;
  /**
   * WORKSPACE_URL, parsed: the workspace in an S3(-compatible) bucket, in any mode. Credentials are
   * handed to the S3 client only, never logged; unset, the SDK's default chain finds them (profiles, roles).
   */
  workspaceS3?: S3Location & { region: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
  /** MODEL_PRICES, parsed: over the built-in price table (src/usage/prices.ts). */
  modelPrices: Record<string, Price>;
  /** The budget of workflows created without one (DEFAULT_BUDGET_TOKENS / DEFAULT_BUDGET_USD); null: none. */
  defaultBudget: Budget | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment -> typed config. Throws ConfigError whose message is one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      // A URL's user:password never reaches the error line (it goes to a terminal or a log).
      const shown = (cleaned[name] ?? '').replace(/\/\/[^/@\s]*@/, '//***@');
      return `${name}=${JSON.stringify(shown)} is invalid: expected ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const e = parsed.data;
  let modelPrices: Record<string, Price>;
  try {
    modelPrices = parseModelPrices(e.MODEL_PRICES);
  } catch (err) {
    throw new ConfigError(err instanceof PriceTableError ? err.message : 'MODEL_PRICES is invalid');
  }
  if (e.WORKSPACE_URL && !e.AWS_ACCESS_KEY_ID !== !e.AWS_SECRET_ACCESS_KEY) {
    throw new ConfigError(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both for WORKSPACE_URL, or neither (the AWS SDK then finds credentials in profiles or roles)',
    );
  }
  const auth = e.AUTH ?? (isLoopback(e.HOST) && !e.DATABASE_URL ? 'off' : 'required');
  return {
    port: e.PORT,
    host: e.HOST,
    auth,
    graphiql: e.GRAPHIQL ? e.GRAPHIQL === 'on' : auth === 'off',
    databaseUrl: e.DATABASE_URL,
    sqlitePath: e.SQLITE_PATH,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    llmModel: e.LLM_MODEL,
    llmBaseUrl: e.LLM_BASE_URL,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    ollamaBaseUrl: e.OLLAMA_BASE_URL,
    offlineTokenDelayMs: e.OFFLINE_TOKEN_DELAY_MS,
    apiKeys: { openai: e.OPENAI_API_KEY, anthropic: e.ANTHROPIC_API_KEY, 'openai-compatible': e.LLM_API_KEY },
    logLevel: e.LOG_LEVEL,
    role: e.ROLE,
    maxConcurrency: e.MAX_CONCURRENCY,
    agentConcurrency: e.AGENT_CONCURRENCY,
    taskTimeoutMs: e.TASK_TIMEOUT_MS,
    taskMaxAttempts: e.TASK_MAX_ATTEMPTS,
    retryBaseMs: e.RETRY_BASE_MS,
    retryMaxMs: e.RETRY_MAX_MS,
    planTimeoutMs: e.PLAN_TIMEOUT_MS,
    planMaxAttempts: e.PLAN_MAX_ATTEMPTS,
    contextBudgetChars: e.CONTEXT_BUDGET_CHARS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    bullmqLockMs: e.BULLMQ_LOCK_MS,
    reconcileMs: e.RECONCILE_MS,
    eventCatchUpMs: e.EVENT_CATCHUP_MS,
    maxTasks: e.MAX_TASKS,
    maxTextChars: e.MAX_TEXT_CHARS,
    metricsPort: e.METRICS_PORT,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    otelServiceName: e.OTEL_SERVICE_NAME,
    queryLimits: { depth: e.MAX_QUERY_DEPTH, aliases: e.MAX_QUERY_ALIASES, directives: e.MAX_QUERY_DIRECTIVES, tokens: e.MAX_QUERY_TOKENS, cost: e.MAX_QUERY_COST },
    corsOrigins: e.CORS_ORIGINS,
    rateLimitPerMin: e.RATE_LIMIT_PER_MIN,
    planRateLimitPerMin: e.PLAN_RATE_LIMIT_PER_MIN,
    toolCommands: e.TOOL_COMMANDS,
    taskMaxToolSteps: e.TASK_MAX_TOOL_STEPS,
    toolTimeoutMs: e.TOOL_TIMEOUT_MS,
    workspaceDir: e.WORKSPACE_DIR,
    workspaceS3: e.WORKSPACE_URL && {
      ...e.WORKSPACE_URL,
      // An S3-compatible store ignores the region but SigV4 signs with one; us-east-1 is what they expect.
      region: e.AWS_REGION ?? 'us-east-1',
      ...(e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) } }
        : {}),
    },
    modelPrices,
    defaultBudget:
      e.DEFAULT_BUDGET_TOKENS === undefined && e.DEFAULT_BUDGET_USD === undefined
        ? null
        : { maxTokens: e.DEFAULT_BUDGET_TOKENS ?? null, maxCostUsd: e.DEFAULT_BUDGET_USD ?? null, onExceed: 'STOP' },
  };
}
