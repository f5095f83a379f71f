import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM_MESSAGE,
  isLocalUrl,
  launchChromium,
  recordRequests,
  screenshot,
  withScreenshotOnFailure,
} from '../helpers/browser.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';
import { SIGNUP } from '../helpers/app.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

// The default tab's variables log in as this account (src/graphiql.ts).
const ADA = { name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' };

describe.skipIf(!HAVE_CHROMIUM)('GraphiQL in Chromium', () => {
  let server: HttpTestApp;
  let browser: Browser;

  beforeAll(async () => {
    server = await startHttpApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Runs one named operation of the active tab with GraphiQL's execute button. */
  async function run(page: Page, operation: string): Promise<void> {
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: operation, exact: true }).click();
  }

  /**
   * Switches to a tab by its title. The tab strip animates (it reorders as tab titles change), so
   * a click at a position can land on a tab sliding by: the click goes to the tab's own button.
   */
  async function openTab(page: Page, title: string): Promise<void> {
    await page.locator(`[role="tab"] > button[title="${title}"]`).dispatchEvent('click');
    const active = page.locator('[role="tab"][aria-selected="true"] > button[title]');
    await expect.poll(() => active.getAttribute('title')).toBe(title);
  }

  it('loads with every request staying on this machine, logs in and runs `me` with the kept token', {
    timeout: 120_000,
  }, async () => {
    const signup = await server.app.gql(SIGNUP, { input: ADA });
    expect(signup.body.errors).toBeUndefined();

    const page = await browser.newPage();
    const urls = await recordRequests(page);
    // The page runs under its Content-Security-Policy: nothing it needs may be refused by it.
    const violations: string[] = [];
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __csp: string[] }).__csp ??= [];
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on('response', (r) => {
      if (r.request().resourceType() === 'document') documentHeaders.push(r.headers());
    });
    const documentHeaders: Array<Record<string, string>> = [];
    const graphqlRequests: Array<{ body: string; authorization: string | undefined }> = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/graphql') {
        graphqlRequests.push({ body: r.postData() ?? '', authorization: r.headers().authorization });
      }
    });

    await withScreenshotOnFailure(page, 'graphiql', async () => {
      await page.goto(server.endpoint, { waitUntil: 'load' });
      await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator('#auth-token-bar').textContent()).toContain('No token kept');

      // Log in through GraphiQL: the token is kept and shown, nobody copies it.
      await run(page, 'Login');
      await expect
        .poll(() => page.locator('#auth-token-bar').textContent(), { timeout: 20_000 })
        .toContain('Signed in as ada@example.com (USER)');
      const kept = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:graphiql-token'));
      const token = (JSON.parse(kept!) as { token: string }).token;
      expect(token.split('.')).toHaveLength(3);
      await page.locator('#auth-token-toggle').click();
      await expect.poll(() => page.locator('#auth-token-value').textContent()).toBe(token);
      await screenshot(page, 'graphiql-logged-in');

      // The "Me" tab runs with the kept token.
      await openTab(page, 'Me');
      await run(page, 'Me');
      await expect
        .poll(() => page.locator('.graphiql-response').textContent(), { timeout: 20_000 })
        .toContain('ada@example.com');
      await screenshot(page, 'graphiql-me');
      const me = graphqlRequests.find((r) => r.body.includes('query Me'));
      expect(me?.authorization).toBe(`Bearer ${token}`);
      // The login itself went out without a token.
      expect(graphqlRequests.find((r) => r.body.includes('mutation Login'))?.authorization).toBeUndefined();

      // The same tab lists the sessions with the kept token, this one marked current.
      await run(page, 'Sessions');
      await expect
        .poll(() => page.locator('.graphiql-response').textContent(), { timeout: 20_000 })
        .toMatch(/"current":\s*true/);

      // A header set by hand (GraphiQL's Headers pane passes it to fetch) wins over the kept token,
      // and its refusal does not forget the kept one.
      const typed = await page.evaluate(async () => {
        const res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', Authorization: 'Bearer typed.by.hand' },
          body: JSON.stringify({ query: '{ me { email } }' }),
        });
        return (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      });
      expect(typed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(graphqlRequests.at(-1)?.authorization).toBe('Bearer typed.by.hand');
      await expect.poll(() => page.locator('#auth-token-bar').textContent()).toContain('Signed in as ada@example.com');

      // Forgetting it: the next `me` is unauthenticated.
      await page.locator('#auth-token-clear').click();
      await expect.poll(() => page.locator('#auth-token-bar').textContent()).toContain('No token kept');
      expect(await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:graphiql-token'))).toBeNull();
    });

    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    expect(documentHeaders[0]?.['content-security-policy']).toMatch(
      /script-src 'sha256-[^;]+; .*frame-ancestors 'none'/,
    );
    expect(documentHeaders[0]?.['x-frame-options']).toBe('DENY');
    violations.push(...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])));
    expect(violations).toEqual([]);
    await page.close();
  });
});
