import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createHttpServer } from '../../src/server/http-server.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ARTIFACTS, chromiumAvailable, launchOffline, local } from './chromium.ts';

/** GraphiQL in Debian's headless Chromium with every request to another origin aborted (see chromium.ts). */
const haveChromium = chromiumAvailable('test/browser/graphiql.test.ts');

const LOAD_MS = 90_000; // a 5 MB bundle parsed on a busy two-core machine

/** The visible text of a Monaco editor (Monaco renders spaces as U+00A0). */
async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.locator(`${selector} .view-lines`).first().innerText()).replace(/\u00a0/g, ' ');
}

async function responseText(page: Page): Promise<string> {
  return (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
}

/** Waits until the result pane shows text that passes `test`, and returns it. */
async function waitForResponse(page: Page, test: (text: string) => boolean): Promise<string> {
  const until = Date.now() + 30_000;
  for (;;) {
    const text = await responseText(page);
    if (test(text)) return text;
    if (Date.now() > until) throw new Error(`the result pane shows: ${text.slice(0, 500)}`);
    await page.waitForTimeout(200);
  }
}

describe('GraphiQL in headless Chromium', () => {
  describe.skipIf(!haveChromium)('with no network', () => {
    let t: TestApp;
    let server: ReturnType<typeof createHttpServer>;
    let origin: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let foreign: string[] = [];
    const requested: string[] = [];
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    const wsUrls: string[] = [];
    const wsSent: string[] = [];
    /** GraphiQL's schema introspection: it must answer (query limits must let it through). */
    let introspection: Promise<unknown> | undefined;

    beforeAll(async () => {
      t = await startTestApp({ GRAPHIQL: 'on' });
      // A listener of our own on the app's services: startTestApp does not tell its URL.
      server = createHttpServer(t.app.services);
      origin = new URL((await server.start(0, '127.0.0.1')).url).origin;
      ({ browser, context, foreign } = await launchOffline(origin, { width: 1400, height: 900 }));
      await context.routeWebSocket(
        (url) => url.host !== new URL(origin).host,
        (ws) => {
          foreign.push(ws.url());
          return ws.close();
        },
      );
      context.on('request', (r) => requested.push(r.url()));
      page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        // CSP violations, failed loads and React's warnings land here.
        if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('response', (r) => {
        if (r.request().method() === 'POST' && r.request().postData()?.includes('IntrospectionQuery')) introspection ??= r.json();
      });
      page.on('websocket', (ws) => {
        wsUrls.push(ws.url());
        ws.on('framesent', (f) => wsSent.push(String(f.payload)));
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await t?.close();
    });

    it("renders, opens on Baton's example, and Run returns data", async () => {
      await page.goto(`${origin}/graphql`);
      await page.waitForSelector('.graphiql-query-editor .view-lines', { timeout: LOAD_MS });
      const text = await editorText(page, '.graphiql-query-editor');
      expect(text).toContain('# Baton plans a request as a DAG of agent tasks');
      expect(text).toContain('mutation Plan {');
      expect(text).toContain('planWorkflow(input:');
      expect(text).not.toContain('Welcome to');
      await expect.poll(() => introspection !== undefined, { timeout: 30_000 }).toBe(true);
      const schema = (await introspection) as { data?: { __schema?: { queryType?: { name: string } } }; errors?: unknown };
      expect(schema.errors).toBeUndefined();
      expect(schema.data?.__schema?.queryType?.name).toBe('Query');
      await page.screenshot({ path: `${ARTIFACTS}/graphiql-opened.png` });

      // The example holds three operations: Run asks which one.
      await page.click('.graphiql-execute-button');
      await page.getByRole('menuitem', { name: 'Plan' }).click();
      const result = await waitForResponse(page, (s) => s.includes('"data"') && s.includes('"planWorkflow"'));
      expect(result).not.toContain('"errors"');
      expect(result).toMatch(/"id": "Workflow:[^"]+"/);
      await page.screenshot({ path: `${ARTIFACTS}/graphiql-run.png` });
    }, 180_000);

    it("subscriptions run over graphql-ws, with the headers editor's Authorization as connectionParams.authorization", async () => {
      const planned = await waitForResponse(page, (s) => s.includes('"planWorkflow"'));
      const id = /"id": "(Workflow:[^"]+)"/.exec(planned)![1]!;

      await page.click('[data-name="headers"]');
      await page.click('.graphiql-editor-tool .graphiql-editor:not(.hidden)');
      await page.keyboard.insertText('{"Authorization": "Bearer baton_graphiql_test"}');
      expect(await editorText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)')).toBe('{"Authorization": "Bearer baton_graphiql_test"}');

      // One line: typed newlines would meet Monaco's auto-indent and auto-closing brackets.
      const subscription = `subscription Events { workflowEvents(workflowId: "${id}") { seq kind } }`;
      // Select-all lands only once the editor has focus: type again until the editor holds exactly
      // the subscription (with the example left beside it, Run would ask which operation to run).
      for (let tries = 0; (await editorText(page, '.graphiql-query-editor')) !== subscription; tries++) {
        if (tries === 5) throw new Error(`the query editor shows: ${await editorText(page, '.graphiql-query-editor')}`);
        await page.click('.graphiql-query-editor .view-lines');
        await page.keyboard.press('Control+A');
        await page.keyboard.insertText(subscription);
        await page.waitForTimeout(100);
      }
      await page.click('.graphiql-execute-button');
      const event = await waitForResponse(page, (s) => s.includes('"workflowEvents"'));
      expect(event).toContain('"seq"');
      await page.screenshot({ path: `${ARTIFACTS}/graphiql-subscription.png` });

      expect(wsUrls).toEqual([`${origin.replace('http', 'ws')}/graphql`]);
      const init = wsSent.map((f) => JSON.parse(f) as { type: string; payload?: unknown }).find((m) => m.type === 'connection_init');
      expect(init?.payload).toEqual({ authorization: 'Bearer baton_graphiql_test' });
    }, 120_000);

    it('reached nothing but Baton: no request to another origin, no page error, no console error or warning (CSP violations included)', () => {
      expect(requested.length).toBeGreaterThan(5);
      expect(requested.filter((u) => !local(new URL(u)) && new URL(u).origin !== origin)).toEqual([]);
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    });
  });
});
