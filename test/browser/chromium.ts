import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/**
 * Debian's headless Chromium for the browser suites, offline: every request to another origin is
 * aborted and recorded (a suite fails if there was any). Needs /usr/bin/chromium
 * (`apt-get install chromium`; .ci/run installs it): without it a suite is skipped with a printed
 * reason, except under CI, where that fails. Playwright never downloads a browser here.
 */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Screenshots kept as CI artifacts. */
export const ARTIFACTS = 'test-artifacts';

/** Whether the suite in `file` can run; throws under CI when Chromium is missing. */
export function chromiumAvailable(file: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  // CI must run the browser tests: there a missing Chromium fails the file instead of skipping it.
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: install it (apt-get install chromium) — .ci/run does`);
  console.warn(`${file} skipped: ${CHROMIUM} is not installed (apt-get install chromium); CI installs it and runs these tests`);
  return false;
}

/** Not the network: inline data and the page's own blobs. */
export const local = (url: URL): boolean => url.protocol === 'data:' || url.protocol === 'blob:';

export interface OfflineBrowser {
  browser: Browser;
  context: BrowserContext;
  /** URLs of other origins the pages tried to reach (HTTP here; WebSockets as the suite routes them). */
  foreign: string[];
}

/** Chromium and one context whose HTTP requests to anything but `origin` (or data:/blob:) are aborted and recorded. */
export async function launchOffline(origin: string, viewport: { width: number; height: number }): Promise<OfflineBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const context = await browser.newContext({ viewport });
  const foreign: string[] = [];
  await context.route(
    (url) => !local(url) && url.origin !== origin,
    (route) => {
      foreign.push(route.request().url());
      return route.abort('internetdisconnected');
    },
  );
  return { browser, context, foreign };
}
