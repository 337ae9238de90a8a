import { buildApp, type AppOverrides } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from './services.ts';

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: TestDatabase;
  close(): Promise<void>;
}

/** A started Baton on a fresh database (per BATON_TEST_DB), quiet logs, API on a free port unless ROLE says otherwise. */
export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}, db?: TestDatabase): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', RETRY_BASE_MS: '10', RETRY_MAX_MS: '50', OFFLINE_TOKEN_DELAY_MS: '0', ...database.env, ...env });
  const app = await buildApp(config, overrides);
  await app.start();
  return {
    app,
    db: database,
    async close() {
      await app.stop();
      if (!db) await database.drop();
    },
  };
}

/** Resolves when the workflow reaches one of the statuses (polls the store; tests only). */
export async function waitForStatus(app: TestApp['app'], id: string, statuses: string[], timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await app.engine.workflows.status(id);
    if (s && statuses.includes(s)) return s;
    if (Date.now() > until) throw new Error(`workflow ${id} is ${s}, not ${statuses.join('|')}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const AUTH_TASKS = [
  { key: '1', agent: '@backend', description: 'Create User model', dependsOn: [] },
  { key: '2', agent: '@backend', description: 'Registration endpoint with bcrypt', dependsOn: ['1'] },
  { key: '3', agent: '@backend', description: 'Login endpoint with JWT', dependsOn: ['1'] },
  { key: '4', agent: '@frontend', description: 'LoginForm component', dependsOn: [] },
  { key: '5', agent: '@frontend', description: 'RegistrationForm component', dependsOn: [] },
  { key: '6', agent: '@qa', description: 'Unit tests for auth endpoints', dependsOn: ['2', '3'] },
  { key: '7', agent: '@qa', description: 'E2E tests for auth flows', dependsOn: ['4', '5', '6'] },
  { key: '8', agent: '@devops', description: 'Deployment docs', dependsOn: ['7'] },
];
export const AUTH_DURATIONS: Record<string, number> = { '1': 100, '2': 300, '3': 100, '4': 500, '5': 50, '6': 100, '7': 100, '8': 50 };
