import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`baton: configuration error: ${e.message.split('\n').join('; ')}`);
    process.exit(2);
  }
  throw e;
}

const logger = createLogger(config.logLevel, { role: config.role });
const app = await buildApp(config, { logger });
const { url, metricsUrl } = await app.start();
const mode = config.redisUrl ? 'redis' : 'embedded';
const db = config.databaseUrl ? 'postgresql' : `sqlite ${config.sqlitePath}`;
logger.info({ mode, db, model: config.llmModel, ...(metricsUrl ? { metricsUrl } : {}) }, 'baton started');
if (url) console.log(`Baton is ready: GraphiQL at ${url}`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: no new work; running tasks get a grace period');
    app.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  });
}
