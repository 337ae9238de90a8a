import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { AUTH_TASKS, type TestApp } from '../support/app.ts';

/** What the dashboard suites share: building web/dist, GraphQL calls beside the page, and reading the DAG. */
export const RUN_MS = 60_000;

/** Builds web/dist when it is missing (npm's prepare does it on install). */
export function buildIfMissing(): void {
  if (existsSync('web/dist/index.html')) return;
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
}

export async function gql<T>(t: TestApp, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await t.fetch('http://baton.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** A PLANNED workflow with `tasks` (the auth plan unless given). */
export async function createWorkflow(t: TestApp, description: string, tasks: readonly object[] = AUTH_TASKS): Promise<string> {
  const { createWorkflow } = await gql<{ createWorkflow: { id: string } }>(t, 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', {
    input: { description, tasks },
  });
  return createWorkflow.id;
}

/** "key=STATUS" for every node, in DOM order. */
export const statuses = (page: Page) => page.locator('[data-task-key]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-task-key')}=${e.getAttribute('data-status')}`));

export const nodeStatus = (page: Page, key: string) => page.locator(`[data-task-key="${key}"]`).getAttribute('data-status');
export const workflowStatus = (page: Page) => page.locator('.workflow-page').getAttribute('data-status');
