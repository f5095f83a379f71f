import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HAVE_CHROMIUM,
  isLocalUrl,
  launchChromium,
  NO_CHROMIUM_MESSAGE,
  recordRequests,
  withScreenshotOnFailure,
  buildWebExample,
} from '../helpers/browser.js';
import { LOGIN, uniqueEmail } from '../helpers/app.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';
import { post } from '../helpers/mail-ops.js';
import { linkIn, startSmtp, type TestSmtp } from '../helpers/smtp.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

// examples/web as the frontend that APP_URL points mailed links at: the page and the API share one
// origin here, so the links (built from that origin) open the frontend's own /reset-password and
// /verify-email.
describe.skipIf(!HAVE_CHROMIUM)('examples/web: forgot password, resend verification, the mailed links', () => {
  let smtp: TestSmtp;
  let server: HttpTestApp;
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    outDir = await buildWebExample('web-recovery-');
    smtp = await startSmtp();
    server = await startHttpApp({ staticDir: outDir, env: { SMTP_URL: smtp.url } });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('signs up, resends and follows the verification link, then forgets the password and resets it', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    const urls = await recordRequests(page);
    const email = uniqueEmail('webrec');
    const notice = page.locator('#notice');

    await withScreenshotOnFailure(page, 'web-recovery', async () => {
      await page.goto(server.origin, { waitUntil: 'load' });
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Name').fill('Web Rec');
      await signup.getByLabel('E-mail').fill(email);
      await signup.getByLabel('Password').fill('correct horse battery');
      await signup.getByRole('button', { name: 'Sign up' }).click();
      const confirmed = page.locator('#profile [data-field="emailVerified"]');
      await expect.poll(() => confirmed.textContent(), { timeout: 20_000 }).toBe('not yet');

      // Resend verification: a second mail; its link opens this frontend's /verify-email.
      await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Confirm'));
      const before = smtp.mails.length;
      await page.getByRole('button', { name: 'Resend verification' }).click();
      await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toBe('A new confirmation link is on its way.');
      const verify = linkIn(
        await smtp.waitFor((m) => m.to === email && smtp.mails.indexOf(m) >= before),
        '/verify-email',
      );
      await page.goto(verify.toString(), { waitUntil: 'load' });
      expect(new URL(page.url()).search).toBe('');
      await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
      await expect
        .poll(() => notice.textContent(), { timeout: 20_000 })
        .toBe(`Your e-mail address ${email} is confirmed.`);
      await expect.poll(() => confirmed.textContent(), { timeout: 20_000 }).toBe('yes');
      expect(await page.getByRole('button', { name: 'Resend verification' }).isHidden()).toBe(true);

      // Log out, forget the password.
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('Not signed in.');
      await page.getByRole('button', { name: 'Forgot password?' }).click();
      const forgot = page.locator('#forgot-form');
      await forgot.getByLabel('E-mail').fill(email);
      await forgot.getByRole('button', { name: 'Send the link' }).click();
      await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain('is on its way');
      const reset = linkIn(
        await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Reset')),
        '/reset-password',
      );

      await page.goto(reset.toString(), { waitUntil: 'load' });
      const form = page.locator('#reset-form');
      await form.getByLabel('New password').fill('a brand new password');
      await form.getByLabel('Repeat it').fill('a brand new password');
      await form.getByRole('button', { name: 'Set new password' }).click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toBe(`Signed in as ${email}.`);
      expect(await notice.textContent()).toContain('Your password has been changed');
      expect(new URL(page.url()).pathname).toBe('/');
    });

    expect((await post(server.endpoint, LOGIN, { email, password: 'a brand new password' })).data?.login).toBeTruthy();
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });
});
