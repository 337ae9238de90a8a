import { randomUUID } from 'node:crypto';
import { createAgentStore } from './agents/agent-store.ts';
import { keyResolver } from './auth/authenticate.ts';
import { createKeyStore } from './auth/keys.ts';
import { createRevocationWatch } from './auth/revocation-watch.ts';
import { insecureAuthWarning } from './auth/startup.ts';
import { createModelFactory, type ModelFactory } from './agents/model-factory.ts';
import type { Config } from './config.ts';
import { createDb } from './db/orm.ts';
import { createBullmqDispatcher } from './engine/bullmq-dispatcher.ts';
import type { Dispatcher } from './engine/dispatcher.ts';
import { createEngine } from './engine/engine.ts';
import { createMemoryLiveUsage, createRedisLiveUsage } from './usage/live.ts';
import { createPriceTable } from './usage/prices.ts';
import { createLocalDispatcher } from './engine/local-dispatcher.ts';
import type { Clock } from './engine/types.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { EventBus } from './events/event-bus.ts';
import { createMemoryBus } from './events/memory-bus.ts';
import { createPublisher } from './events/publisher.ts';
import { createRedisBus } from './events/redis-bus.ts';
import { createLogger, type Logger } from './logger.ts';
import { startMetricsServer } from './observability/metrics-endpoint.ts';
import { createTelemetry } from './observability/telemetry.ts';
import { createPlanner } from './planning/planner.ts';
import type { HttpServerOptions } from './server/http-server.ts';
import type { Services } from './services/types.ts';
import { createWorkflowService } from './services/workflow-service.ts';
import { pingRedis } from './services/health.ts';
import { awaitRedis, PortInUseError } from './startup.ts';
import { createToolsModule } from './tools/module.ts';

/** How long a starting process waits for Redis to answer before it gives up with one line. */
const REDIS_START_WAIT_MS = 10_000;

export interface AppOverrides {
  models?: ModelFactory;
  clock?: Clock;
  logger?: Logger;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** BullMQ lock duration: how soon a killed worker's job moves on (default: config BULLMQ_LOCK_MS). */
  lockDurationMs?: number;
  /** Options for the HTTP server (tests: a principal per request). */
  http?: HttpServerOptions;
  /** Tests: spans go to this exporter (tracing on without OTEL_EXPORTER_OTLP_ENDPOINT). */
  spanExporter?: SpanExporter;
}

export const systemClock: Clock = { now: () => Date.now(), id: () => randomUUID() };

/**
 * Wires one Baton process from its config: the database, the event bus and
 * task queue of the mode (embedded or Redis), the engine, and — by ROLE — the
 * HTTP/WebSocket API and/or the worker that runs tasks.
 */
export async function buildApp(config: Config, o: AppOverrides = {}) {
  const logger = o.logger ?? createLogger(config.logLevel, { role: config.role });
  const clock = o.clock ?? systemClock;
  if (config.redisUrl) await awaitRedis(config.redisUrl, REDIS_START_WAIT_MS);
  const db = await createDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, onQuery: o.onQuery });
  const agents = createAgentStore(db, clock.now);
  // Processes started together on an empty database take turns: one migrates and seeds, the others find it done.
  await db.exclusive(async () => {
    await db.migrate();
    await agents.seed();
  });
  const telemetry = await createTelemetry({
    role: config.role,
    logger,
    defaultModel: config.llmModel,
    otlpEndpoint: config.otlpEndpoint,
    serviceName: config.otelServiceName,
    spanExporter: o.spanExporter,
    db,
  });
  const keys = createKeyStore(db, { now: clock.now, logger: logger.child({ component: 'api-keys' }) });
  const revocations = createRevocationWatch({ revokedAmong: (ids) => keys.revokedAmong(ids), logger });
  const warning = insecureAuthWarning(config);
  if (warning) logger.warn({ auth: config.auth, host: config.host }, warning);

  const bus: EventBus = config.redisUrl
    ? createRedisBus({ url: config.redisUrl, prefix: config.redisPrefix, logger: logger.child({ component: 'event-bus' }) })
    : createMemoryBus();
  const dispatcher: Dispatcher = telemetry.dispatcher(
    config.redisUrl
      ? createBullmqDispatcher({
          redisUrl: config.redisUrl,
          prefix: config.redisPrefix,
          lockDurationMs: o.lockDurationMs ?? config.bullmqLockMs,
          logger,
        })
      : createLocalDispatcher({ logger }),
  );
  const models =
    o.models ??
    createModelFactory({
      llmModel: config.llmModel,
      baseUrls: { 'openai-compatible': config.llmBaseUrl, openai: config.openaiBaseUrl, anthropic: config.anthropicBaseUrl, ollama: config.ollamaBaseUrl },
      apiKeys: config.apiKeys,
      offlineTokenDelayMs: config.offlineTokenDelayMs,
    });
  const publisher = telemetry.publisher(createPublisher(bus, logger));
  // The tool loop's events go through the engine's run store, which exists once the engine does.
  const tools = createToolsModule({ config, db, now: clock.now, logger, runs: () => engine.store, publish: (c) => publisher.committed(c) });
  const retry = { attempts: config.taskMaxAttempts, baseMs: config.retryBaseMs, maxMs: config.retryMaxMs };
  // Usage of every model call: one live total per workflow shared by every worker (Redis), or this process's.
  const liveUsage = config.redisUrl ? createRedisLiveUsage(config.redisUrl, config.redisPrefix) : createMemoryLiveUsage(clock.now);
  const engine = createEngine({
    usage: { live: liveUsage, prices: createPriceTable(config.modelPrices), defaultModel: config.llmModel },
    db,
    clock,
    bus,
    publisher,
    dispatcher,
    limits: { max: config.maxConcurrency, perAgent: config.agentConcurrency },
    agents,
    models,
    logger,
    telemetry,
    policy: { ...retry, timeoutMs: config.taskTimeoutMs },
    contextBudgetChars: config.contextBudgetChars,
    reconcileMs: config.reconcileMs,
    runningStaleMs: config.redisUrl ? (o.lockDurationMs ?? config.bullmqLockMs) : undefined,
    tools: tools.taskTools,
  });
  const planner = createPlanner({ agents, models, logger, telemetry, policy: { ...retry, attempts: config.planMaxAttempts, timeoutMs: config.planTimeoutMs } });
  const service = createWorkflowService({ config, engine, agents, planner, publisher, logger, telemetry });
  // A deleted workflow's workspace goes with it (the database's rows cascade; a directory does not).
  const workflows: typeof service = {
    ...service,
    remove: async (tenant, id) => {
      await service.remove(tenant, id);
      await tools.workspace.removeAll(id);
    },
  };

  const services: Services = {
    config,
    db,
    bus,
    logger,
    workflows,
    keys,
    workspace: tools.workspace,
    toolServers: tools.servers,
    agents: { create: (t, i) => agents.create(t, i), update: (t, n, p) => agents.update(t, n, p), deactivate: (t, n) => agents.deactivate(t, n) },
    async health() {
      const database = await db.knex.raw('select 1').then(
        () => true,
        () => false,
      );
      return { database, redis: config.redisUrl ? await pingRedis(config.redisUrl) : null };
    },
  };
  const serves = config.role !== 'worker';
  const works = config.role !== 'api';
  // Worker processes never load the GraphQL layer.
  // AUTH=required: every request carries a key (tests may pass their own resolver); AUTH=off: LOCAL_ADMIN.
  const auth: HttpServerOptions = config.auth === 'required' ? { resolvePrincipal: keyResolver(keys), watchRevocation: revocations.watch } : {};
  const http = serves ? (await import('./server/http-server.ts')).createHttpServer(services, { metrics: telemetry.metrics, ...auth, ...o.http }) : undefined;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let stopped = false;

  return {
    services,
    engine,
    agents,
    telemetry,
    fetch: http?.fetch as NonNullable<typeof http>['fetch'],
    /** The authentication this app's server uses (for another server on the same services, e.g. in tests). */
    httpAuth: auth,
    async start(): Promise<{ url: string | null; metricsUrl: string | null }> {
      // The port first: a process that cannot serve fails before it takes any work.
      const url = http
        ? (
            await http.start(config.port, config.host).catch((err) => {
              throw (err as { code?: string }).code === 'EADDRINUSE' ? new PortInUseError(config.host, config.port) : err;
            })
          ).url
        : null;
      if (config.metricsPort !== undefined) metricsServer = await startMetricsServer(telemetry.metrics, config.metricsPort, config.host, logger);
      const metricsUrl = metricsServer?.url ?? null;
      // Planning runs where tasks run, as a job: a ROLE=api process makes no model call.
      if (works) await engine.startWorking(workflows.runPlanning);
      // The default model's client is built now, not by the first task: loading a provider's package
      // takes 0.5–1 s, which the first task would otherwise wait for. A failure (no key yet) is the first task's to report.
      if (works && !o.models) void models({ agentName: 'backend' }).catch(() => {});
      return { url, metricsUrl };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await http?.stop();
      revocations.close();
      await engine.stop(config.shutdownGraceMs);
      await liveUsage.close();
      await tools.close();
      await metricsServer?.stop();
      await telemetry.stop();
      agents.close();
      await bus.close();
      await db.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
