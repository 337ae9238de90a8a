import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { ARTIFACTS, chromiumAvailable, launchOffline } from './chromium.ts';
import { RUN_MS, buildIfMissing, createWorkflow as createAuthWorkflow, gql, statuses } from './dashboard-support.ts';

/**
 * The dashboard (web/, served at `/`) in Debian's headless Chromium with every request to another
 * origin aborted and recorded (chromium.ts). Every WebSocket goes through a Playwright route that
 * forwards and records its frames, so a test can close the server's side of it.
 * Steering from the page (approvals, pause, plan edits) is in dashboard-steering.test.ts.
 */
const haveChromium = chromiumAvailable('test/browser/dashboard.test.ts');

/** A graphql-ws frame as the page and Baton exchanged it. */
type Frame = { socket: number; dir: 'sent' | 'received'; msg: { type: string; id?: string; payload?: any } };

describe('the dashboard in headless Chromium', () => {
  describe.skipIf(!haveChromium)('with no network', () => {
    let t: TestApp;
    let origin: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let foreign: string[] = [];
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    const frames: Frame[] = [];
    /** Each open page socket and its connection to Baton: closing both is "the server closed the socket". */
    const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
    let refuseSockets = false;
    let sockets = 0;

    beforeAll(async () => {
      buildIfMissing();
      // A readable pace: a task streams for about a second, so a disconnect lands mid-run.
      t = await startTestApp({ OFFLINE_TOKEN_DELAY_MS: '12' });
      origin = new URL(t.url!).origin;
      ({ browser, context, foreign } = await launchOffline(origin, { width: 1280, height: 800 }));
      await context.routeWebSocket(
        () => true,
        (ws) => {
          if (new URL(ws.url()).host !== new URL(origin).host) {
            foreign.push(ws.url());
            return ws.close();
          }
          if (refuseSockets) return ws.close({ code: 1001, reason: 'going away' });
          const socket = sockets++;
          const server = ws.connectToServer();
          const pair = { page: ws, server };
          open.add(pair);
          ws.onMessage((m) => {
            frames.push({ socket, dir: 'sent', msg: JSON.parse(String(m)) });
            server.send(m);
          });
          server.onMessage((m) => {
            frames.push({ socket, dir: 'received', msg: JSON.parse(String(m)) });
            ws.send(m);
          });
          server.onClose((code, reason) => {
            open.delete(pair);
            void ws.close({ code, reason });
          });
          ws.onClose((code, reason) => {
            open.delete(pair);
            void server.close({ code, reason });
          });
        },
      );
      page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
      });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('asks for the key once, keeps it for the session, and shows the request form', async () => {
      await page.goto(`${origin}/`);
      await page.locator('input[name="apiKey"]').fill(t.key);
      await page.keyboard.press('Enter');
      await page.locator('form textarea[name="request"]').waitFor({ timeout: RUN_MS });
      await page.reload();
      await page.locator('form textarea[name="request"]').waitFor({ timeout: RUN_MS });
      expect(await page.locator('input[name="apiKey"]').count()).toBe(0);
      await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: RUN_MS }).toBe('connected');
    }, 120_000);

    it("plans the auth request with autoStart: every planned task appears and turns COMPLETED live, the selected task's output shows", async () => {
      await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
      await page.locator('textarea[name="request"]').fill('Build a complete auth system with registration, login and JWT.');
      await expect(page.locator('input[name="autoStart"]').isChecked()).resolves.toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-list.png` });
      await page.locator('form button[type="submit"]').click();
      await page.waitForURL(/\/workflows\/[^/]+$/, { timeout: RUN_MS });
      const nodes = page.locator('[data-task-key]');
      await expect.poll(() => nodes.count(), { timeout: RUN_MS }).toBeGreaterThanOrEqual(4);
      const count = await nodes.count();
      await expect.poll(() => page.locator('[data-task-key][data-status="COMPLETED"]').count(), { timeout: RUN_MS }).toBe(count);
      expect((await statuses(page)).every((s) => s.endsWith('=COMPLETED'))).toBe(true);
      await expect.poll(() => page.locator('.workflow-page').getAttribute('data-status'), { timeout: RUN_MS }).toBe('COMPLETED');
      // No reload happened: the marker set on the list page is still on this document.
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
      // Each task was seen RUNNING before COMPLETED? At least the page saw output chunks stream in.
      expect(frames.some((f) => f.msg.payload?.data?.workflowEvents?.kind === 'TASK_OUTPUT')).toBe(true);

      // Keyboard: a node is a button; Enter selects it.
      await page.locator('[data-task-key="3"] button').focus();
      await page.keyboard.press('Enter');
      await expect(page.locator('.task-panel').getAttribute('data-selected-task')).resolves.toBe('3');
      await page.locator('[data-task-key="2"] button').click();
      const output = await page.locator('[data-testid="task-output"]').innerText();
      expect(output).toContain('## Deliverable:');
      expect(output).toContain("Produced by Baton's offline model");
      await expect(page.locator('.task-panel').getAttribute('data-selected-task')).resolves.toBe('2');
      expect(await page.locator('.critical').count()).toBeGreaterThan(0);
      // Usage: one segment per task that used tokens (the offline model estimates them).
      await expect.poll(() => page.locator('.usage-bar .usage-seg').count(), { timeout: RUN_MS }).toBe(count);
      // The offline model has no price: its cost is "unpriced", never $0.
      expect(await page.locator('[data-task-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cost')))).toEqual(Array(count).fill('unpriced'));
      expect(await page.locator('[data-task-key] .task-cost').allInnerTexts()).toEqual(Array(count).fill('unpriced'));
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-workflow.png` });

      // Light and dark follow prefers-color-scheme.
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await background()).not.toBe(light);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-workflow-dark.png` });
      await page.emulateMedia({ colorScheme: 'light' });
    }, 180_000);

    it('a disconnect (the server side closes every socket) resumes after the last cursor received, with no missing update', async () => {
      const id = await createAuthWorkflow(t, 'Auth system, disconnected mid-run');
      await page.goto(`${origin}/workflows/${encodeURIComponent(id)}`);
      await expect.poll(() => page.locator('[data-task-key]').count(), { timeout: RUN_MS }).toBe(AUTH_TASKS.length);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => page.locator('[data-task-key][data-status="COMPLETED"]').count(), { timeout: RUN_MS }).toBeGreaterThan(0);

      const firstSocket = sockets;
      let seen = 0;
      let cursor: string;
      refuseSockets = true;
      try {
        for (const pair of [...open]) {
          open.delete(pair);
          await pair.server.close({ code: 1000, reason: 'test: cut' });
          await pair.page.close({ code: 1011, reason: 'server closed the socket' });
        }
        await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 10_000 }).toBe('disconnected');
        // Read once the sockets are closed: nothing can reach the page after this.
        seen = Number(await page.locator('.workflow-page').getAttribute('data-last-seq'));
        cursor = (await page.locator('.workflow-page').getAttribute('data-last-cursor')) ?? '';
        expect(seen).toBeGreaterThan(0);
        expect(cursor).not.toBe('');
        // Keep it down until the run has stored events the page did not get (at least two retries pass too).
        await page.waitForTimeout(1000);
        const missed = async () =>
          (
            await gql<{ workflowEvents: Array<{ seq: number }> }>(t, 'query($id: ID!, $after: Int) { workflowEvents(workflowId: $id, afterSeq: $after, first: 1000) { seq } }', {
              id,
              after: seen,
            })
          ).workflowEvents.length;
        await expect.poll(missed, { timeout: RUN_MS, interval: 100 }).toBeGreaterThan(0);
        expect(Number(await page.locator('.workflow-page').getAttribute('data-last-seq'))).toBe(seen);
      } finally {
        refuseSockets = false;
      }

      await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: RUN_MS }).toBe('connected');
      await expect.poll(() => page.locator('[data-task-key][data-status="COMPLETED"]').count(), { timeout: RUN_MS }).toBe(AUTH_TASKS.length);
      await expect.poll(() => page.locator('.workflow-page').getAttribute('data-status'), { timeout: RUN_MS }).toBe('COMPLETED');

      // The resumed subscription asked for what came after the last cursor the page had received…
      const resubscribe = frames.find((f) => f.socket >= firstSocket && f.dir === 'sent' && f.msg.type === 'subscribe' && f.msg.payload?.variables?.workflowId === id);
      expect(resubscribe?.msg.payload.variables).toEqual({ workflowId: id, after: cursor });
      // …which is the last event the page got before the cut.
      // (The page shows only this workflow: the last workflowEvents frame before the cut is this one's.)
      const before = frames.filter((f) => f.socket < firstSocket && f.dir === 'received' && f.msg.type === 'next' && f.msg.payload?.data?.workflowEvents);
      expect(before.at(-1)?.msg.payload.data.workflowEvents.cursor).toBe(cursor);
      // …and every stored event reached the page exactly once across both sockets.
      const { workflowEvents: all } = await gql<{ workflowEvents: Array<{ seq: number }> }>(t, 'query($id: ID!) { workflowEvents(workflowId: $id, first: 1000) { seq } }', { id });
      const subscribeIds = new Set(
        frames.filter((f) => f.dir === 'sent' && f.msg.type === 'subscribe' && f.msg.payload?.variables?.workflowId === id).map((f) => `${f.socket}:${f.msg.id}`),
      );
      const received = frames
        .filter((f) => f.dir === 'received' && f.msg.type === 'next' && subscribeIds.has(`${f.socket}:${f.msg.id}`))
        .map((f) => f.msg.payload.data.workflowEvents as { seq: number; kind: string })
        .filter((e) => e.kind !== 'TASK_OUTPUT')
        .map((e) => e.seq);
      expect(received).toEqual(all.map((e) => e.seq));
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-resumed.png` });
    }, 180_000);

    it('Start and Cancel work from the page, and Retry is offered after a cancel', async () => {
      const id = await createAuthWorkflow(t, 'Auth system, started then cancelled');
      await page.goto(`${origin}/workflows/${encodeURIComponent(id)}`);
      await expect.poll(() => page.locator('.workflow-page').getAttribute('data-status'), { timeout: RUN_MS }).toBe('PLANNED');
      await expect(page.locator('button[data-action="retry"]').count()).resolves.toBe(0);
      await page.locator('button[data-action="start"]').click();
      await expect.poll(() => page.locator('[data-task-key][data-status="RUNNING"]').count(), { timeout: RUN_MS }).toBeGreaterThan(0);
      await page.locator('button[data-action="cancel"]').click();
      await expect.poll(() => page.locator('.workflow-page').getAttribute('data-status'), { timeout: RUN_MS }).toBe('CANCELLED');
      await expect.poll(() => page.locator('[data-task-key][data-status="CANCELLED"]').count(), { timeout: RUN_MS }).toBeGreaterThan(0);
      expect(await page.locator('[data-task-key][data-status="RUNNING"]').count()).toBe(0);
      await page.locator('button[data-action="retry"]').waitFor({ timeout: RUN_MS });
      expect(await page.locator('button[data-action="start"]').count()).toBe(0);
    }, 120_000);

    it('a VIEWER key sees workflows but is offered no action', async () => {
      const { key } = await t.app.services.keys.create('default', 'viewer', 'dashboard viewer');
      const viewer = await context.newPage();
      try {
        await viewer.goto(`${origin}/`);
        await viewer.locator('input[name="apiKey"]').fill(key);
        await viewer.keyboard.press('Enter');
        await viewer.locator('table.workflows tbody tr[data-workflow-id]').first().waitFor({ timeout: RUN_MS });
        expect(await viewer.locator('textarea[name="request"]').count()).toBe(0);

        // The list is live: a workflow whose status changes (workflowUpdated is sent on status changes,
        // not on creation) appears at the top and follows its run with no reload.
        const id = await createAuthWorkflow(t, 'Auth system, watched from the list');
        const row = viewer.locator(`tr[data-workflow-id="${id}"]`);
        expect(await row.count()).toBe(0);
        await gql(t, 'mutation($id: ID!) { startWorkflow(id: $id) { id } }', { id });
        await row.waitFor({ timeout: RUN_MS });
        await expect.poll(() => row.getAttribute('data-status'), { timeout: RUN_MS }).toBe('COMPLETED');
        // Filtered by status: only cancelled ones.
        await viewer.locator('select[name="status"]').selectOption('CANCELLED');
        await expect.poll(() => viewer.locator(`tr[data-workflow-id="${id}"]`).count(), { timeout: RUN_MS }).toBe(0);
        const shown = await viewer.locator('tr[data-workflow-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
        expect(shown.length).toBeGreaterThan(0);
        expect(new Set(shown)).toEqual(new Set(['CANCELLED']));
        await viewer.locator('select[name="status"]').selectOption('');
        await row.waitFor({ timeout: RUN_MS });
        await viewer.screenshot({ path: `${ARTIFACTS}/dashboard-list-viewer.png` });

        await viewer.locator('table.workflows a').first().click();
        await viewer.locator('[data-task-key]').first().waitFor({ timeout: RUN_MS });
        expect(await viewer.locator('button[data-action]').count()).toBe(0);
      } finally {
        await viewer.close();
      }
    }, 120_000);

    it('reached nothing but Baton: no request to another origin, no page error, no console error or warning but the keyless 401s', () => {
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
      // Chromium logs every 401 as a failed load: the first request of each tab, before a key was given.
      const unauthorized = consoleErrors.filter((m) => m.includes('status of 401 (Unauthorized)'));
      expect(unauthorized.length).toBeLessThanOrEqual(4);
      expect(consoleErrors.filter((m) => !unauthorized.includes(m))).toEqual([]);
    });
  });
});
