import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/auth/refresh-tokens.js';
import {
  GRAPHIQL_TOKEN_KEY,
  gqlInPage,
  HAVE_CHROMIUM,
  launchChromium,
  NO_CHROMIUM_MESSAGE,
  tokenBar,
  withScreenshotOnFailure,
} from '../helpers/browser.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';
import { enrolTotp, loginChallenge, nextCode } from '../helpers/totp.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

const KEY = GRAPHIQL_TOKEN_KEY;
const bar = tokenBar;

describe.skipIf(!HAVE_CHROMIUM)('GraphiQL token keeper with a second factor, in Chromium', () => {
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

  const keptClaims = (page: Page) =>
    page.evaluate((key) => {
      const kept = JSON.parse(window.sessionStorage.getItem(key) ?? 'null') as { token: string } | null;
      return kept ? JSON.parse(atob(kept.token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) : null;
    }, KEY);

  it('asks for the code after MFA_REQUIRED, and for the password after REAUTHENTICATION_REQUIRED', {
    timeout: 120_000,
  }, async () => {
    const user = await enrolTotp(server.app);
    const page = await browser.newPage();
    await withScreenshotOnFailure(page, 'graphiql-second-factor', async () => {
      await page.goto(server.endpoint, { waitUntil: 'load' });
      await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });

      // Login with the password: no token yet, a code field instead.
      const login = await gqlInPage(
        page,
        'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email } } }',
        { e: user.email, p: user.password },
      );
      expect(login.errors?.[0]?.extensions?.code).toBe('MFA_REQUIRED');
      await page.locator('#auth-step-code').waitFor();
      expect(await page.evaluate((key) => window.sessionStorage.getItem(key), KEY)).toBeNull();
      await page.locator('#auth-step-code').fill(nextCode(user.secret));
      await page.locator('#auth-step-submit').click();
      await expect.poll(() => bar(page), { timeout: 10_000 }).toContain(`Signed in as ${user.email}`);
      expect((await keptClaims(page)).amr).toEqual(['pwd', 'otp']);

      // The same session an hour later (as its stored sign-in time says), refreshed into the page.
      const login2 = await server.app.gql(
        'mutation($c: String!, $code: String!) { verifyLogin(challenge: $c, code: $code) { refreshToken } }',
        {
          c: await loginChallenge(server.app, user.email, user.password),
          code: user.recoveryCodes[0],
        },
      );
      const refreshToken = login2.body.data!.verifyLogin.refreshToken as string;
      await server.app.query('UPDATE refresh_tokens SET auth_time = ? WHERE token_hash = ?', [
        new Date(Date.now() - 3600_000).toISOString(),
        hashRefreshToken(refreshToken),
      ]);
      await gqlInPage(page, 'mutation($r: String) { refresh(refreshToken: $r) { token user { email } } }', {
        r: refreshToken,
      });
      await expect.poll(() => bar(page)).toContain('Token kept from refresh');
      const staleAuthTime = (await keptClaims(page)).auth_time as number;

      // A step-up field refuses it; the bar asks for the password, then the code.
      const refused = await gqlInPage(page, 'mutation { disableTotp(code: "whatever") }');
      expect(refused.errors?.[0]?.extensions?.reason).toBe('REAUTHENTICATION_REQUIRED');
      await page.locator('#auth-step-password').fill(user.password);
      await page.locator('#auth-step-submit').click();
      await page.locator('#auth-step-code').waitFor();
      await page.locator('#auth-step-password').fill(user.password);
      await page.locator('#auth-step-code').fill(user.recoveryCodes[1]!);
      await page.locator('#auth-step-submit').click();
      await expect.poll(() => bar(page), { timeout: 10_000 }).toContain('Run disableTotp again');
      expect((await keptClaims(page)).auth_time).toBeGreaterThan(staleAuthTime);
      const again = await gqlInPage(page, 'mutation($c: String!) { disableTotp(code: $c) }', {
        c: user.recoveryCodes[2],
      });
      expect(again).toEqual({ data: { disableTotp: true } });
    });
    await page.close();
  });
});
