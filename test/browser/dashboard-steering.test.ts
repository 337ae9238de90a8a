import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { ARTIFACTS, chromiumAvailable, launchOffline } from './chromium.ts';
import { RUN_MS, buildIfMissing, createWorkflow, gql, nodeStatus, statuses, workflowStatus } from './dashboard-support.ts';

/**
 * Steering from the dashboard's workflow page in headless Chromium, offline (chromium.ts):
 * decisions on the nodes awaiting them, pause and resume, rerun, and a plan edit whose
 * PLAN_INVALID lands on the node it names.
 */
const haveChromium = chromiumAvailable('test/browser/dashboard-steering.test.ts');

/** Two parallel tasks that wait for approval before they run, and one that needs both. */
const APPROVAL_TASKS = [
  { key: '1', agent: '@backend', description: 'Create User model', approval: 'BEFORE_RUN' },
  { key: '2', agent: '@frontend', description: 'LoginForm component', approval: 'BEFORE_RUN' },
  { key: '3', agent: '@qa', description: 'E2E tests for auth flows', dependsOn: ['1', '2'] },
];

describe('steering from the dashboard in headless Chromium', () => {
  describe.skipIf(!haveChromium)('with no network', () => {
    let t: TestApp;
    let origin: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let foreign: string[] = [];
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];

    const open = async (id: string) => {
      await page.goto(`${origin}/workflows/${encodeURIComponent(id)}`);
      await page.locator('[data-task-key]').first().waitFor({ timeout: RUN_MS });
    };

    beforeAll(async () => {
      buildIfMissing();
      // A task streams for about a second: long enough to click Pause while one runs.
      t = await startTestApp({ OFFLINE_TOKEN_DELAY_MS: '12' });
      origin = new URL(t.url!).origin;
      ({ browser, context, foreign } = await launchOffline(origin, { width: 1280, height: 800 }));
      await context.routeWebSocket(
        (url) => url.host !== new URL(origin).host,
        (ws) => {
          foreign.push(ws.url());
          return ws.close();
        },
      );
      page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
      });
      await page.goto(`${origin}/`);
      await page.locator('input[name="apiKey"]').fill(t.key);
      await page.keyboard.press('Enter');
      await page.locator('form textarea[name="request"]').waitFor({ timeout: RUN_MS });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('two tasks await approval at once, each on its own node: one approved, one rejected with a reason, live', async () => {
      const id = await createWorkflow(t, 'Auth system, with approvals', APPROVAL_TASKS);
      await open(id);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => statuses(page), { timeout: RUN_MS }).toEqual(['1=AWAITING_APPROVAL', '2=AWAITING_APPROVAL', '3=PENDING']);
      // Each waiting node offers its own decisions; the task that waits for them offers none.
      expect(await page.locator('[data-task-key="1"] button[data-decision]').evaluateAll((b) => b.map((e) => e.getAttribute('data-decision')))).toEqual(['approve', 'reject']);
      expect(await page.locator('[data-task-key="2"] button[data-decision]').count()).toBe(2);
      expect(await page.locator('[data-task-key="3"] button[data-decision]').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-approvals.png` });

      await page.locator('[data-task-key="1"] button[data-decision="approve"]').click();
      await page.locator('[data-task-key="2"] button[data-decision="reject"]').click();
      await page.locator('[data-task-key="2"] textarea[name="reason"]').fill('The login form belongs to another project.');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-reject-form.png` });
      await page.locator('[data-task-key="2"] button[data-decision-submit="reject"]').click();

      await expect.poll(() => nodeStatus(page, '2'), { timeout: RUN_MS }).toBe('REJECTED');
      await expect.poll(() => nodeStatus(page, '1'), { timeout: RUN_MS }).toBe('COMPLETED');
      await expect.poll(() => nodeStatus(page, '3'), { timeout: RUN_MS }).toBe('SKIPPED');
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('FAILED');
      expect(await page.locator('[data-task-key] button[data-decision]').count()).toBe(0);
      await page.locator('[data-task-key="2"] button.task-select').click();
      expect(await page.locator('.task-panel').innerText()).toContain('The login form belongs to another project.');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-approvals-decided.png` });
    }, 120_000);

    it('a task awaiting review: its output shows, changes are requested from its node, then it is approved and the run completes', async () => {
      const id = await createWorkflow(t, 'Auth system, reviewed', [
        { key: '1', agent: '@backend', description: 'Create User model', approval: 'AFTER_RUN' },
        { key: '2', agent: '@backend', description: 'Login endpoint with JWT', dependsOn: ['1'] },
      ]);
      await open(id);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => nodeStatus(page, '1'), { timeout: RUN_MS }).toBe('AWAITING_REVIEW');
      expect(await page.locator('[data-task-key="1"] button[data-decision]').evaluateAll((b) => b.map((e) => e.getAttribute('data-decision')))).toEqual([
        'approve',
        'changes',
        'reject',
      ]);
      // The page follows the task awaiting a decision: its output is what is reviewed.
      expect(await page.locator('[data-testid="task-output"]').innerText()).toContain('## Deliverable:');
      await page.locator('[data-task-key="1"] button[data-decision="changes"]').click();
      await page.locator('[data-task-key="1"] textarea[name="feedback"]').fill('Add an index on the email column.');
      await page.locator('[data-task-key="1"] button[data-decision-submit="changes"]').click();
      await page.locator('[data-task-key="1"] textarea[name="feedback"]').waitFor({ state: 'detached', timeout: RUN_MS });
      const reviews = async () =>
        (await gql<{ workflowEvents: Array<{ kind: string }> }>(t, 'query($id: ID!) { workflowEvents(workflowId: $id, first: 1000) { kind } }', { id })).workflowEvents.filter(
          (e) => e.kind === 'TASK_AWAITING_REVIEW',
        ).length;
      await expect.poll(reviews, { timeout: RUN_MS }).toBe(2);
      await expect.poll(() => nodeStatus(page, '1'), { timeout: RUN_MS }).toBe('AWAITING_REVIEW');
      expect(await nodeStatus(page, '2')).toBe('PENDING');
      await page.locator('[data-task-key="1"] button[data-decision="approve"]').click();
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('COMPLETED');
      expect(await statuses(page)).toEqual(['1=COMPLETED', '2=COMPLETED']);
    }, 120_000);

    it("the steering issue's approval scenario, clicked through: 1 and 3 await approval, 3 then 1 approved, 2 reviewed with changes then approved, 4 runs, COMPLETED", async () => {
      const id = await createWorkflow(t, 'Auth system, the approval scenario', [
        { key: '1', agent: '@backend', description: 'Create User model', approval: 'BEFORE_RUN' },
        { key: '2', agent: '@backend', description: 'Login endpoint with JWT', dependsOn: ['1'], approval: 'AFTER_RUN' },
        { key: '3', agent: '@frontend', description: 'LoginForm component', approval: 'BEFORE_RUN' },
        { key: '4', agent: '@qa', description: 'E2E tests for auth flows', dependsOn: ['2', '3'] },
      ]);
      await open(id);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => statuses(page), { timeout: RUN_MS }).toEqual(['1=AWAITING_APPROVAL', '2=PENDING', '3=AWAITING_APPROVAL', '4=PENDING']);
      await page.locator('[data-task-key="3"] button[data-decision="approve"]').click();
      await expect.poll(() => nodeStatus(page, '3'), { timeout: RUN_MS }).toBe('COMPLETED');
      // Approving 3 ran 3 alone: 1 still waits.
      expect(await nodeStatus(page, '1')).toBe('AWAITING_APPROVAL');
      await page.locator('[data-task-key="1"] button[data-decision="approve"]').click();
      await expect.poll(() => nodeStatus(page, '2'), { timeout: RUN_MS }).toBe('AWAITING_REVIEW');
      expect(await nodeStatus(page, '4')).toBe('PENDING');
      await page.locator('[data-task-key="2"] button[data-decision="changes"]').click();
      await page.locator('[data-task-key="2"] textarea[name="feedback"]').fill('Return 401 on a bad password.');
      await page.locator('[data-task-key="2"] button[data-decision-submit="changes"]').click();
      const reviews = async () =>
        (await gql<{ workflowEvents: Array<{ kind: string }> }>(t, 'query($id: ID!) { workflowEvents(workflowId: $id, first: 1000) { kind } }', { id })).workflowEvents.filter(
          (e) => e.kind === 'TASK_AWAITING_REVIEW',
        ).length;
      await expect.poll(reviews, { timeout: RUN_MS }).toBe(2);
      await expect.poll(() => nodeStatus(page, '2'), { timeout: RUN_MS }).toBe('AWAITING_REVIEW');
      await page.locator('[data-task-key="2"] button[data-decision="approve"]').click();
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('COMPLETED');
      expect(await statuses(page)).toEqual(['1=COMPLETED', '2=COMPLETED', '3=COMPLETED', '4=COMPLETED']);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-approval-scenario.png` });
    }, 180_000);

    it('an invalid plan edit shows the server’s error on the offending node; a valid one (add, remove, rewire) is saved', async () => {
      const id = await createWorkflow(t, 'Auth system, plan edited');
      await open(id);
      await page.locator('button[data-action="edit"]').click();
      await page.locator('[data-draft-key="2"] input[name="dependsOn"]').fill('1, 42');
      await page.locator('button[data-action="save-plan"]').click();
      const error = page.locator('[data-task-key="2"] .node-error');
      await error.waitFor({ timeout: RUN_MS });
      expect(await error.innerText()).toContain('task 2 depends on task 42, which does not exist');
      expect(await page.locator('[data-task-key] .node-error').count()).toBe(1);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-plan-invalid.png` });

      // Rewire 2 back, remove 8, add a task after 7: the DAG draws the draft as it changes.
      await page.locator('[data-draft-key="2"] input[name="dependsOn"]').fill('1');
      await page.locator('[data-draft-key="8"] button[data-action="remove-task"]').click();
      await page.locator('button[data-action="add-task"]').click();
      const added = page.locator('[data-draft-key="8"]');
      await added.locator('textarea[name="description"]').fill('Write the release notes');
      await added.locator('input[name="dependsOn"]').fill('7');
      await added.locator('input[name="agent"]').fill('devops');
      await page.locator('button[data-action="save-plan"]').click();
      await page.locator('.plan-editor').waitFor({ state: 'detached', timeout: RUN_MS });
      await expect.poll(() => page.locator('[data-task-key="8"] .task-desc').innerText(), { timeout: RUN_MS }).toBe('Write the release notes');
      expect(await page.locator('[data-task-key] .node-error').count()).toBe(0);
      expect(await page.locator('[data-task-key]').count()).toBe(8);
    }, 120_000);

    it('Replan with feedback: the orchestrator writes the plan again and the page draws the new one', async () => {
      const id = await createWorkflow(t, 'Build a complete auth system with registration, login and JWT', AUTH_TASKS.slice(0, 1));
      await open(id);
      expect(await page.locator('[data-task-key]').count()).toBe(1);
      await page.locator('button[data-action="replan"]').click();
      await page.locator('.replan-form textarea[name="feedback"]').fill('Plan every part of it, not only the model.');
      await page.locator('button[data-action="replan-submit"]').click();
      await page.locator('.replan-form').waitFor({ state: 'detached', timeout: RUN_MS });
      await expect.poll(() => page.locator('[data-task-key]').count(), { timeout: RUN_MS }).toBeGreaterThan(1);
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('PLANNED');
    }, 120_000);

    it('Pause stops new tasks from starting, Resume runs the rest; then a task reruns from its panel', async () => {
      const id = await createWorkflow(t, 'Auth system, paused and resumed');
      await open(id);
      expect(await page.locator('button[data-action="pause"]').count()).toBe(0);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => page.locator('[data-task-key][data-status="RUNNING"]').count(), { timeout: RUN_MS }).toBeGreaterThan(0);
      await page.locator('button[data-action="pause"]').click();
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('PAUSED');
      expect(await page.locator('button[data-action="pause"]').count()).toBe(0);
      // Running tasks finish; none starts while paused.
      await expect.poll(() => page.locator('[data-task-key][data-status="RUNNING"]').count(), { timeout: RUN_MS }).toBe(0);
      const paused = await statuses(page);
      expect(paused.some((s) => s.endsWith('=PENDING') || s.endsWith('=READY'))).toBe(true);
      await page.waitForTimeout(1500);
      expect(await statuses(page)).toEqual(paused);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-paused.png` });

      await page.locator('button[data-action="resume"]').click();
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('COMPLETED');
      expect((await statuses(page)).every((s) => s.endsWith('=COMPLETED'))).toBe(true);

      await page.locator('[data-task-key="8"] button.task-select').click();
      await page.locator('button[data-action="rerun"]').click();
      await page.locator('.rerun-form textarea[name="description"]').fill('Deployment docs, with a rollback section');
      await page.locator('button[data-action="rerun-submit"]').click();
      await expect.poll(() => page.locator('[data-task-key="8"] .task-desc').innerText(), { timeout: RUN_MS }).toBe('Deployment docs, with a rollback section');
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('COMPLETED');
      await expect.poll(() => nodeStatus(page, '8'), { timeout: RUN_MS }).toBe('COMPLETED');
      await page.locator('[data-task-key="8"] button.task-select').click();
      await expect.poll(() => page.locator('.task-panel .history > summary').innerText(), { timeout: RUN_MS }).toContain('Earlier runs (1)');
      // Tool calls are split by run: the earlier run's under it, the current run's in the panel.
      expect(await page.locator('.task-panel .history .tool-calls summary').textContent()).toMatch(/Its tool calls \(\d+\)/);
      expect(await page.locator('.task-panel > .tool-calls summary').textContent()).toMatch(/Tool calls \(\d+\)/);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-rerun.png` });
    }, 180_000);

    it("the selected task's tool calls show with their results; artifacts download one by one and as a zip (fetched with the key)", async () => {
      const id = await createWorkflow(t, 'Auth system, its artifacts', AUTH_TASKS.slice(0, 2));
      await open(id);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('COMPLETED');
      await page.locator('[data-task-key="2"] button.task-select').click();
      await page.locator('.task-panel > .tool-calls summary').click();
      const write = page.locator('.tool-calls li[data-tool="workspace/write_file"]').first();
      await write.waitFor({ timeout: RUN_MS });
      expect(await write.getAttribute('data-tool-ok')).toBe('true');
      expect(await write.locator('.tool-result').innerText()).toContain('wrote deliverables/');

      const files = page.locator('.artifacts tr[data-artifact-path]');
      await expect.poll(() => files.count(), { timeout: RUN_MS }).toBe(2);
      const path = (await files.first().getAttribute('data-artifact-path'))!;
      const [one] = await Promise.all([page.waitForEvent('download'), files.first().locator('button').click()]);
      expect(one.suggestedFilename()).toBe(path.split('/').pop());
      expect(readFileSync((await one.path())!, 'utf8')).toContain('## Deliverable:');
      const [zip] = await Promise.all([page.waitForEvent('download'), page.locator('button[data-download="zip"]').click()]);
      expect(zip.suggestedFilename()).toBe('workflow-artifacts.zip');
      expect(
        readFileSync((await zip.path())!)
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-artifacts.png`, fullPage: true });
    }, 120_000);

    it('reached nothing but Baton: no request to another origin, no page error, no console error or warning but the keyless 401', () => {
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
      const unauthorized = consoleErrors.filter((m) => m.includes('status of 401 (Unauthorized)'));
      expect(unauthorized.length).toBeLessThanOrEqual(2);
      expect(consoleErrors.filter((m) => !unauthorized.includes(m))).toEqual([]);
    });
  });
});
