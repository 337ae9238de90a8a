import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type AppOverrides } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from './services.ts';

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: TestDatabase;
  /** An admin key of tenant `default`, created for this app. */
  key: string;
  /** The app's yoga fetch with `Authorization: Bearer <key>` added (unless the request sets its own). */
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** The API's URL (null for ROLE=worker). */
  url: string | null;
  close(): Promise<void>;
}

/** RequestInit with `Authorization: Bearer <key>`, unless it already has an Authorization header. */
export function withKey(init: RequestInit = {}, key: string): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
  return { ...init, headers };
}

/**
 * A started Baton on a fresh database (per BATON_TEST_DB), quiet logs, API on a free port unless
 * ROLE says otherwise. AUTH=required unless `env` says otherwise: the suites run with auth on, and
 * each app gets an admin key of its own (`key`, and `fetch` that sends it).
 */
export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}, db?: TestDatabase): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH: 'required',
    RETRY_BASE_MS: '10',
    RETRY_MAX_MS: '50',
    OFFLINE_TOKEN_DELAY_MS: '0',
    WORKSPACE_DIR: join(tmpdir(), 'baton-test-workspaces'),
    ...database.env,
    ...env,
  });
  const app = await buildApp(config, overrides);
  const { url } = await app.start();
  const { key } = await app.services.keys.create('default', 'admin', 'test');
  return {
    app,
    db: database,
    key,
    url,
    fetch: async (input, init) => app.fetch(input, withKey(init, key)),
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
    const s = await app.engine.store.status(id);
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
