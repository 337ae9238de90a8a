import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { taskOf } from '../support/prompt.ts';
import { ARTIFACTS, chromiumAvailable, launchOffline } from './chromium.ts';
import { RUN_MS, buildIfMissing, gql, nodeStatus, statuses, workflowStatus } from './dashboard-support.ts';

/**
 * Budgets on the dashboard in headless Chromium, offline (chromium.ts), through the real OpenAI
 * client against the fake provider (priced with MODEL_PRICES): a request planned from the request box
 * with a PAUSE budget; each node's cost as it runs; the budget bar reaching exceeded; resume refused
 * with BUDGET_EXCEEDED; the budget raised from the page, and the run completing.
 */
const haveChromium = chromiumAvailable('test/browser/dashboard-budget.test.ts');

/** USD per million tokens: large, so that a few hundred tokens cost cents. */
const PRICE = { input: 1000, output: 2000 };
const WORDS = 300;
const answer = (key: string) => Array.from({ length: WORDS }, (_, i) => `w${key}${i}`).join(' ');
const PLAN = [
  { number: 1, agent: 'backend', description: 'Create User model', dependsOn: [] },
  { number: 2, agent: 'frontend', description: 'LoginForm component', dependsOn: [] },
  { number: 3, agent: 'qa', description: 'E2E tests for auth flows', dependsOn: [1, 2] },
];
const USAGE = 'usage { totalTokens costUsd priced calls estimated }';

describe('budgets on the dashboard in headless Chromium', () => {
  describe.skipIf(!haveChromium)('with no network, against the fake provider', () => {
    let fake: FakeOpenAI;
    let t: TestApp;
    let origin: string;
    let browser: Browser;
    let foreign: string[] = [];
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      buildIfMissing();
      // Tasks stream one word per 15 ms (about 4.5 s each); the planning call answers the plan at once.
      fake = await startFakeOpenAI((req) => (taskOf(req.body) ? { content: answer(taskOf(req.body)!.key), chunkDelayMs: 15 } : { json: { tasks: PLAN } }));
      t = await startTestApp({
        LLM_MODEL: 'openai:fake-model',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'dummy',
        MODEL_PRICES: JSON.stringify({ 'openai:fake-model': PRICE }),
      });
      origin = new URL(t.url!).origin;
      let context;
      ({ browser, context, foreign } = await launchOffline(origin, { width: 1280, height: 800 }));
      page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${origin}/`);
      await page.locator('input[name="apiKey"]').fill(t.key);
      await page.keyboard.press('Enter');
      await page.locator('form textarea[name="request"]').waitFor({ timeout: RUN_MS });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await fake?.close();
    });

    const workflowId = () => decodeURIComponent(new URL(page.url()).pathname.replace(/^\/workflows\//, ''));
    const read = async (id: string) =>
      (
        await gql<{
          workflow: {
            status: string;
            budget: unknown;
            usage: { totalTokens: number; costUsd: number };
            tasks: Array<{ key: string; usage: { costUsd: number; calls: number; estimated: boolean } }>;
          };
        }>(t, `query($id: ID!) { workflow(id: $id) { status budget { maxTokens maxCostUsd onExceed } ${USAGE} tasks { key ${USAGE} } } }`, { id })
      ).workflow;
    const nodeCost = async (key: string) => page.locator(`[data-task-key="${key}"]`).getAttribute('data-cost');
    const budgetState = () => page.locator('[data-budget-state]').getAttribute('data-budget-state');

    it('plans with a PAUSE budget from the request box; costs show on the nodes live; the bar warns, then exceeds; resume is refused; a raised budget completes the run', async () => {
      const request = `Auth system on a budget ${randomUUID().slice(0, 8)}`;
      await page.locator('form textarea[name="request"]').fill(request);
      await page.locator('.request-options summary').click();
      // The planning call and tasks 1 and 2 fit (about 2,200 tokens: over 80%, a warning); task 3, whose
      // prompt carries both outputs, crosses it as soon as it runs.
      await page.locator('.request-form input[name="maxTokens"]').fill('2500');
      await page.locator('.request-form select[name="onExceed"]').selectOption('PAUSE');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-budget-request.png` });
      await page.locator('.request-form button[type="submit"]').click();
      await page.waitForURL(/\/workflows\//, { timeout: RUN_MS });
      const id = workflowId();
      expect((await read(id)).budget).toEqual({ maxTokens: 2500, maxCostUsd: null, onExceed: 'PAUSE' });
      await expect.poll(() => page.locator('[data-task-key]').count(), { timeout: RUN_MS }).toBe(PLAN.length);
      // Every state the budget bar is drawn in, in order (a warning may last only until the next event).
      await page.evaluate(() => {
        const seen: string[] = [];
        Object.assign(window, { budgetStates: seen });
        const note = () => {
          const s = document.querySelector('[data-budget-state]')?.getAttribute('data-budget-state');
          if (s && seen.at(-1) !== s) seen.push(s);
        };
        new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-budget-state'] });
        note();
      });

      // A running task's cost grows while it streams (usage is read as it runs), before any event says so.
      await expect
        .poll(
          () =>
            page
              .locator('[data-task-key][data-status="RUNNING"]')
              .evaluateAll((els) => els.some((e) => Number(e.getAttribute('data-cost')) > 0 && !Number.isNaN(Number(e.getAttribute('data-cost'))))),
          { timeout: RUN_MS, interval: 100 },
        )
        .toBe(true);

      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('PAUSED');
      await expect.poll(budgetState, { timeout: RUN_MS }).toBe('exceeded');
      // The pause gave the running task back (no task event says so: the page reads the workflow again).
      await expect.poll(() => page.locator('[data-task-key][data-status="RUNNING"]').count(), { timeout: 10_000 }).toBe(0);
      expect(await page.locator('[data-limit="maxTokens"]').getAttribute('data-state')).toBe('exceeded');
      expect(await page.evaluate(() => (window as unknown as { budgetStates: string[] }).budgetStates)).toEqual(['ok', 'warning', 'exceeded']);
      expect(await page.locator('[data-notice="exceeded"]').innerText()).toMatch(/^Budget exceeded: [\d,]+ tokens used, over the limit of 2,500 tokens; the run is paused/);
      const paused = await read(id);
      // Past 80% at least: the pause came from a call that crossed the limit while it streamed, or from
      // one whose prompt would have crossed it and was never sent (then nothing of it was spent).
      expect(paused.usage.totalTokens).toBeGreaterThanOrEqual(2000);
      // The page's total is the server's (the calls the pause aborted recorded theirs as they ended).
      await expect.poll(async () => Number(await page.locator('[data-budget-state]').getAttribute('data-tokens')), { timeout: 10_000 }).toBe((await read(id)).usage.totalTokens);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-budget-paused.png` });

      // Resume with the limit unchanged: refused, and said so plainly with the way out.
      await page.locator('button[data-action="resume"]').click();
      const refusal = page.locator('.budget-error[data-code="BUDGET_EXCEEDED"]');
      await refusal.waitFor({ timeout: RUN_MS });
      expect(await refusal.innerText()).toContain('Over budget.');
      expect(await workflowStatus(page)).toBe('PAUSED');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-budget-refused.png` });

      // Raise it from the page: the form opens with the current limits; a higher one resumes the run.
      await page.locator('button[data-action="raise-budget"]').click();
      const form = page.locator('form[aria-label="Set budget"]');
      expect(await form.locator('input[name="maxTokens"]').inputValue()).toBe('2500');
      expect(await form.locator('select[name="onExceed"]').inputValue()).toBe('PAUSE');
      await form.locator('input[name="maxTokens"]').fill('100000');
      await form.locator('input[name="maxCostUsd"]').fill('50');
      await form.locator('button[data-action="set-budget-submit"]').click();
      await form.waitFor({ state: 'detached', timeout: RUN_MS });
      await expect.poll(() => statuses(page), { timeout: RUN_MS }).toEqual(['1=COMPLETED', '2=COMPLETED', '3=COMPLETED']);
      await expect.poll(() => workflowStatus(page), { timeout: RUN_MS }).toBe('COMPLETED');
      expect(await page.locator('[data-notice]').count()).toBe(0);
      expect(await budgetState()).toBe('ok');
      expect(await page.locator('[data-limit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-limit')))).toEqual(['maxTokens', 'maxCostUsd']);

      // Each node's cost is the server's figure for the task: tokens × price, every call it made.
      const done = await read(id);
      expect(done.budget).toEqual({ maxTokens: 100000, maxCostUsd: 50, onExceed: 'PAUSE' });
      for (const task of done.tasks) {
        expect(task.usage.costUsd).toBeGreaterThan(0);
        await expect.poll(async () => Number(await nodeCost(task.key)), { timeout: 10_000 }).toBeCloseTo(task.usage.costUsd, 9);
      }
      // Task 3's first call was cut by the pause: its usage is the estimate of what streamed (≈).
      expect(await page.locator('[data-task-key="3"] .task-cost').innerText()).toMatch(done.tasks[2]!.usage.estimated ? /^≈\$\d/ : /^\$\d/);
      expect(await page.locator('[data-task-key="1"] .task-cost').innerText()).toMatch(/^\$\d/);
      await page.locator('[data-task-key="1"] button.task-select').click();
      expect(await page.locator('.task-panel dd[data-cost]').getAttribute('data-cost')).toBe(String(done.tasks.find((x) => x.key === '1')!.usage.costUsd));
      expect(await nodeStatus(page, '3')).toBe('COMPLETED');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-budget-completed.png` });

      expect(pageErrors).toEqual([]);
      expect(foreign).toEqual([]);
    }, 180_000);
  });
});
