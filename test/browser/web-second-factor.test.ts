import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/auth/refresh-tokens.js';
import { totpCode } from '../../src/mfa/totp.js';
import { uniqueEmail } from '../helpers/app.js';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM_MESSAGE,
  isLocalUrl,
  launchChromium,
  recordRequests,
  screenshot,
  withScreenshotOnFailure,
  buildWebExample,
} from '../helpers/browser.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!HAVE_CHROMIUM)('examples/web with two-factor sign-in, in Chromium', () => {
  let server: HttpTestApp;
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    outDir = await buildWebExample('web-2fa-');
    // Body mode here: the test reaches the refresh token to age its session (cookie mode is web.test.ts's).
    server = await startHttpApp({ staticDir: outDir });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('sets up two-factor from the QR code, then logs in with the code the app would show', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    const urls = await recordRequests(page);
    const email = uniqueEmail('web2fa');
    const password = 'correct horse battery';
    const status = page.locator('#status');

    await withScreenshotOnFailure(page, 'web-second-factor', async () => {
      await page.goto(server.origin, { waitUntil: 'load' });
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Name').fill('Two Factor');
      await signup.getByLabel('E-mail').fill(email);
      await signup.getByLabel('Password').fill(password);
      await signup.getByRole('button', { name: 'Sign up' }).click();
      await expect.poll(() => page.locator('#totp-status').textContent(), { timeout: 20_000 }).toContain('Off');

      // "Set up two-factor": the password again, then the QR code and the key.
      const setup = page.locator('#totp-setup-form');
      await setup.getByLabel('Current password').fill(password);
      await setup.getByRole('button', { name: 'Set up two-factor' }).click();
      const qr = page.locator('#totp-qr');
      await qr.waitFor({ state: 'visible', timeout: 20_000 });
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
      // The image really is a picture (it decoded and has a size).
      await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      const secret = (await page.locator('#totp-secret').textContent())!;
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      await screenshot(page, 'web-totp-qr');

      // The code an authenticator app would show, computed here from the key on the page.
      await page.locator('#totp-confirm-form').getByLabel('Code from the app').fill(totpCode(secret));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await expect.poll(() => page.locator('#recovery-codes li').count(), { timeout: 20_000 }).toBe(10);
      const recovery = await page.locator('#recovery-codes li').allTextContents();
      await expect.poll(() => page.locator('#totp-status').textContent()).toContain('On:');
      expect(await setup.isHidden()).toBe(true);

      // Log out, log in: the password, then the code prompt.
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect.poll(() => status.textContent()).toBe('Not signed in.');
      const login = page.locator('#login-form');
      await login.getByLabel('E-mail').fill(email);
      await login.getByLabel('Password').fill(password);
      await login.getByRole('button', { name: 'Log in' }).click();
      const codeForm = page.locator('#code-form');
      await codeForm.waitFor({ state: 'visible', timeout: 20_000 });
      expect(await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'))).toBeNull();
      await screenshot(page, 'web-code-prompt');
      // A wrong code: the prompt stays, with the server's message.
      await codeForm.getByLabel('Code').fill(totpCode(secret) === '000000' ? '111111' : '000000');
      await codeForm.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.locator('#error').textContent(), { timeout: 20_000 }).toBe('Invalid code');
      await codeForm.getByLabel('Code').fill(totpCode(secret, Date.now() + 30_000));
      await codeForm.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      const token = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'));
      expect(JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()).amr).toEqual(['pwd', 'otp']);
      await expect.poll(() => page.locator('#totp-status').textContent()).toContain('10 recovery codes left');

      // An hour later (as the session's stored sign-in time says): deleting asks for the password
      // and then a code, and goes through after that.
      const refreshToken = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:refresh-token'));
      await server.app.query('UPDATE refresh_tokens SET auth_time = ? WHERE token_hash = ?', [
        new Date(Date.now() - 3600_000).toISOString(),
        hashRefreshToken(refreshToken!),
      ]);
      await page.evaluate(() =>
        window.sessionStorage.setItem('graphql-auth-api:token', 'eyJhbGciOiJIUzI1NiJ9.e30.bad'),
      );
      await page.reload({ waitUntil: 'load' });
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Delete my account' }).click();
      const reauth = page.locator('#reauth-form');
      await reauth.waitFor({ state: 'visible', timeout: 20_000 });
      await reauth.getByLabel('Password').fill(password);
      await reauth.getByRole('button', { name: 'Continue' }).click();
      await page.locator('#reauth-code').waitFor({ state: 'visible', timeout: 20_000 });
      await reauth.getByLabel('Password').fill(password);
      await reauth.getByLabel('Code').fill(recovery[0]!);
      await reauth.getByRole('button', { name: 'Continue' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Account ${email} deleted.`);
    });
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });
});
