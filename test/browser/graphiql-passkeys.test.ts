import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { authenticatorFor, registerPasskey } from '../helpers/webauthn.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

const KEY = GRAPHIQL_TOKEN_KEY;
const bar = tokenBar;

/**
 * GraphiQL's token keeper learns nothing new for passkeys: finishPasskeyLogin answers an
 * AuthPayload, and the keeper keeps its token as it keeps login's. The ceremony's signature comes
 * from the server tests' software authenticator (GraphiQL has no WebAuthn button); the requests go
 * through the page's wrapped fetch, as GraphiQL's editor sends them.
 */
describe.skipIf(!HAVE_CHROMIUM)('GraphiQL token keeper with a passkey sign-in, in Chromium', () => {
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

  it('keeps the token finishPasskeyLogin answers and sends it on the next request', { timeout: 120_000 }, async () => {
    const user = await server.app.signup();
    const device = authenticatorFor(server.app);
    await registerPasskey(server.app, user.token, device, 'Key');
    const page = await browser.newPage();
    await withScreenshotOnFailure(page, 'graphiql-passkeys', async () => {
      await page.goto(server.endpoint, { waitUntil: 'load' });
      await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });

      const start = await gqlInPage(page, 'mutation($e: String) { startPasskeyLogin(email: $e) }', { e: user.email });
      expect(start.errors).toBeUndefined();
      expect(await page.evaluate((key) => window.sessionStorage.getItem(key), KEY)).toBeNull();
      const response = device.get(start.data.startPasskeyLogin);
      const finish = await gqlInPage(
        page,
        'mutation($r: JSON!) { finishPasskeyLogin(response: $r) { token user { email } } }',
        { r: response },
      );
      expect(finish.errors).toBeUndefined();
      await expect.poll(() => bar(page), { timeout: 10_000 }).toContain(`Signed in as ${user.email}`);
      expect(await bar(page)).toContain('Token kept from finishPasskeyLogin.');
      const kept = await page.evaluate((key) => JSON.parse(window.sessionStorage.getItem(key) ?? 'null'), KEY);
      expect(kept).toMatchObject({ token: finish.data.finishPasskeyLogin.token, email: user.email });
      expect(JSON.parse(Buffer.from(kept.token.split('.')[1], 'base64url').toString()).amr).toContain('hwk');

      // The next request carries it: `me` answers for the passkey's account.
      const me = await gqlInPage(page, '{ me { email } }');
      expect(me).toEqual({ data: { me: { email: user.email } } });
    });
    await page.close();
  });
});
