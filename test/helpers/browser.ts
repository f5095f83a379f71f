import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); Playwright's own browser download is not used. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const NO_CHROMIUM_MESSAGE =
  `Browser tests skipped: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` ` +
  '(as root; run `apt-get update` first), or set CHROMIUM_PATH.';

/** Screenshots land here (gitignored via test-results/). */
export const SCREENSHOT_DIR = path.resolve('test-results', 'browser');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** True for the URLs a page may load: this machine, or in-page data:/blob:/about: URLs. */
export function isLocalUrl(url: string): boolean {
  if (/^(data|blob|about):/i.test(url)) return true;
  try {
    const u = new URL(url);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

/**
 * Records every request URL the page makes and refuses (aborts) any that would leave the machine,
 * so a test can both assert "all local" and never send traffic out.
 */
export async function recordRequests(page: Page): Promise<string[]> {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.context().route(
    (url) => !isLocalUrl(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  return urls;
}

/** Runs `steps`; on failure saves a full-page screenshot named after the test, then rethrows. */
export async function withScreenshotOnFailure(page: Page, name: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (e) {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}-FAILED.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n(screenshot: ${file})`, { cause: e });
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * examples/web as `vite build` makes it, in a fresh temporary folder (remove it when done): the
 * browser tests serve it with the API on one origin, as Vite's proxy does in development.
 */
export async function buildWebExample(prefix: string): Promise<string> {
  const { build } = await import('vite');
  const web = path.resolve('examples/web');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  await build({
    root: web,
    configFile: path.join(web, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

/** Where GraphiQL's token keeper keeps the token in sessionStorage (src/browser/graphiql-token-keeper.js). */
export const GRAPHIQL_TOKEN_KEY = 'graphql-auth-api:graphiql-token';

/** A GraphQL request as GraphiQL's editor sends it: through the page's (wrapped) fetch. */
export function gqlInPage(page: Page, query: string, variables: Record<string, unknown> = {}) {
  return page.evaluate(
    async ([q, v]) => {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q, variables: v }),
      });
      return (await res.json()) as { data?: any; errors?: Array<{ extensions?: Record<string, unknown> }> };
    },
    [query, variables] as const,
  );
}

/** The text of GraphiQL's "signed in as" bar. */
export const tokenBar = (page: Page) => page.locator('#auth-token-bar').textContent();
