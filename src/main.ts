import { buildApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { watchParent } from './parent-watch.ts';
import { startupFailureLine } from './startup.ts';

let config: Config;
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
let app: Awaited<ReturnType<typeof buildApp>>;
let url: string | null;
let metricsUrl: string | null;
try {
  app = await buildApp(config, { logger });
  ({ url, metricsUrl } = await app.start());
} catch (err) {
  // One line naming the problem and what to do; no stack (the operator needs the fix, not our frames).
  console.error(`baton: ${startupFailureLine(err, config)}`);
  process.exit(1);
}
const mode = config.redisUrl ? 'redis' : 'embedded';
const db = config.databaseUrl ? 'postgresql' : `sqlite ${config.sqlitePath}`;
// Where the workspace lives (no credentials: WORKSPACE_URL refuses them, the keys are separate).
const s3 = config.workspaceS3;
const workspace = s3 ? `s3 ${s3.endpoint ? `${s3.endpoint}/` : 's3://'}${s3.bucket}${s3.prefix ? `/${s3.prefix}` : ''}` : config.databaseUrl ? 'postgresql' : config.workspaceDir;
logger.info({ mode, db, workspace, model: config.llmModel, ...(metricsUrl ? { metricsUrl } : {}) }, 'baton started');
if (url) {
  // url is the GraphQL endpoint (…/graphql); the dashboard is served at the root beside it.
  const root = url.replace(/\/graphql$/, '/');
  console.log(`Baton is ready: dashboard at ${root}, GraphQL at ${url}${config.graphiql ? ' (GraphiQL in a browser)' : ''}`);
}

let stopping = false;
function stop(signal: string) {
  if (stopping) process.exit(1);
  stopping = true;
  logger.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: no new work; running tasks get a grace period');
  app.stop().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (err) => {
      logger.error({ error: String((err as Error)?.message ?? err) }, 'error while stopping');
      process.exit(1);
    },
  );
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
// npm does not pass a SIGTERM on to its script's process: stop when npm is gone (see parent-watch.ts).
watchParent(process.env, () => !stopping && stop('parent exited'));
