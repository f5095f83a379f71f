import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HAVE_CHROMIUM,
  isLocalUrl,
  launchChromium,
  NO_CHROMIUM_MESSAGE,
  recordRequests,
  screenshot,
  withScreenshotOnFailure,
} from '../helpers/browser.js';
import { LOGIN, uniqueEmail } from '../helpers/app.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';
import { ME_VERIFIED, post, REQUEST_RESET, SIGNUP_WITH_REFRESH } from '../helpers/mail-ops.js';
import { linkIn, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { enrolTotp, nextCode } from '../helpers/totp.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

// The pages mailed links open, in a real browser: the link from a real mail, the form filled and
// submitted, then a login with the new password. Every request the page makes stays on this server.
describe.skipIf(!HAVE_CHROMIUM)('the link pages in Chromium', () => {
  let smtp: TestSmtp;
  let server: HttpTestApp;
  let browser: Browser;
  const PASSWORD = 'correct horse battery';

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startHttpApp({ env: { SMTP_URL: smtp.url } });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  async function account() {
    const email = uniqueEmail('page');
    const res = await post(server.endpoint, SIGNUP_WITH_REFRESH, {
      input: { name: 'Page', email, password: PASSWORD },
    });
    expect(res.errors).toBeUndefined();
    return { email, token: res.data!.signup.token as string };
  }

  it('reset: open the mailed link, fill the form, submit, then log in with the new password', {
    timeout: 60_000,
  }, async () => {
    const { email } = await account();
    await post(server.endpoint, REQUEST_RESET, { email });
    const link = linkIn(await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Reset')), '/reset-password');
    const page = await browser.newPage();
    const urls = await recordRequests(page);
    await withScreenshotOnFailure(page, 'reset-page', async () => {
      await page.goto(link.toString(), { waitUntil: 'load' });
      // The token leaves the address bar (and the history) once the page has read it.
      expect(page.url()).toBe(`${server.origin}/reset-password`);
      await page.getByLabel('New password', { exact: true }).fill('a brand new password');
      await page.getByLabel('Repeat the new password').fill('a different one');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('The two passwords are not the same.');
      // An account without a second factor is never asked for a code.
      expect(await page.locator('#code').isVisible()).toBe(false);
      await page.getByLabel('Repeat the new password').fill('a brand new password');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 20_000 })
        .toContain('Your password has been changed');
      expect(await page.locator('#code').isVisible()).toBe(false);
      await screenshot(page, 'reset-page-done');
    });
    expect((await post(server.endpoint, LOGIN, { email, password: 'a brand new password' })).data?.login).toBeTruthy();
    expect((await post(server.endpoint, LOGIN, { email, password: PASSWORD })).code).toBe('UNAUTHENTICATED');
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    expect(urls.every((u) => u.startsWith(server.origin) || /^(data|about):/.test(u))).toBe(true);

    // The same link again: the page says why it cannot work, and hides the form.
    const again = await browser.newPage();
    await again.goto(link.toString(), { waitUntil: 'load' });
    await again.getByLabel('New password', { exact: true }).fill('yet another password');
    await again.getByLabel('Repeat the new password').fill('yet another password');
    await again.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => again.getByRole('status').textContent()).toContain('already used');
    expect(await again.locator('#form').isHidden()).toBe(true);
    await again.close();
    await page.close();
  });

  /** Opens the mailed reset link for `email` and submits `password` twice; returns the page and the CSP reports. */
  async function openResetAndSubmit(email: string, password: string) {
    await post(server.endpoint, REQUEST_RESET, { email });
    const link = linkIn(await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Reset')), '/reset-password');
    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const urls = await recordRequests(page);
    await page.goto(link.toString(), { waitUntil: 'load' });
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Repeat the new password').fill(password);
    await page.getByRole('button', { name: 'Set new password' }).click();
    return { page, cspViolations, urls };
  }

  it('reset with TOTP on: the page asks for the code, says when it is wrong, and resets with the right one', {
    timeout: 60_000,
  }, async () => {
    const user = await enrolTotp(server.app);
    const { page, cspViolations, urls } = await openResetAndSubmit(user.email, 'a reset behind two factors');
    await withScreenshotOnFailure(page, 'reset-page-totp', async () => {
      const code = page.getByLabel('Code from your authenticator app, or a recovery code');
      await expect.poll(() => code.isVisible(), { timeout: 20_000 }).toBe(true);
      expect(await page.getByRole('status').textContent()).toContain('enter the code from your authenticator app');
      expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
      // Nothing changed yet: the old password still leads to the code step, the new one nowhere.
      expect((await post(server.endpoint, LOGIN, { email: user.email, password: user.password })).code).toBe(
        'MFA_REQUIRED',
      );

      // A wrong code (five digits: never a valid one) is said to be wrong, and the link still works.
      await code.fill('12345');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toContain('not right');
      expect(await code.inputValue()).toBe('');
      expect(await page.locator('#form').isVisible()).toBe(true);

      await code.fill(nextCode(user.secret));
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 20_000 })
        .toContain('Your password has been changed');
      await screenshot(page, 'reset-page-totp-done');
    });
    // The new password holds (and still leads to the code step); the old one is refused.
    expect(
      (await post(server.endpoint, LOGIN, { email: user.email, password: 'a reset behind two factors' })).code,
    ).toBe('MFA_REQUIRED');
    expect((await post(server.endpoint, LOGIN, { email: user.email, password: user.password })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(cspViolations).toEqual([]);
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });

  it('reset with TOTP on: a recovery code works on the page too', { timeout: 60_000 }, async () => {
    const user = await enrolTotp(server.app);
    const { page } = await openResetAndSubmit(user.email, 'recovered by a saved code');
    await withScreenshotOnFailure(page, 'reset-page-recovery', async () => {
      const code = page.getByLabel('Code from your authenticator app, or a recovery code');
      await expect.poll(() => code.isVisible(), { timeout: 20_000 }).toBe(true);
      await code.fill(user.recoveryCodes[0]!);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 20_000 })
        .toContain('Your password has been changed');
    });
    expect(
      (await post(server.endpoint, LOGIN, { email: user.email, password: 'recovered by a saved code' })).code,
    ).toBe('MFA_REQUIRED');
    await page.close();
  });

  it('verify: open the mailed link, press the button, the address is confirmed', { timeout: 60_000 }, async () => {
    const { email, token } = await account();
    const link = linkIn(await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Confirm')), '/verify-email');
    const page = await browser.newPage();
    const urls = await recordRequests(page);
    await withScreenshotOnFailure(page, 'verify-page', async () => {
      await page.goto(link.toString(), { waitUntil: 'load' });
      // Opening the page alone spends nothing (mail scanners open links).
      expect((await post(server.endpoint, ME_VERIFIED, {}, token)).data?.me.emailVerified).toBe(false);
      await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toContain('is confirmed');
    });
    expect((await post(server.endpoint, ME_VERIFIED, {}, token)).data?.me.emailVerified).toBe(true);
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });

  it('a link without its token says so', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/reset-password`, { waitUntil: 'load' });
    expect(await page.getByRole('status').textContent()).toContain('no token');
    await page.close();
  });
});
