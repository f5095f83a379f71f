import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM_MESSAGE,
  launchChromium,
  screenshot,
  withScreenshotOnFailure,
  buildWebExample,
} from '../helpers/browser.js';
import { decodeJwt, ME, uniqueEmail } from '../helpers/app.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';
import { SECURITY_EVENT_TYPES, type SecurityEventType } from '../../src/security/event-types.js';
import { eventLabel, LABELLED_EVENT_TYPES } from '../../examples/web/src/event-labels.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

// Without a browser too: the page's names for the log's event types.
describe('examples/web Security page event names', () => {
  it('names every event type the server records, and no other', () => {
    expect([...LABELLED_EVENT_TYPES].sort()).toEqual([...SECURITY_EVENT_TYPES].sort());
    const labels = SECURITY_EVENT_TYPES.map(eventLabel);
    for (const [i, label] of labels.entries()) expect(label, SECURITY_EVENT_TYPES[i]).not.toBe(SECURITY_EVENT_TYPES[i]);
    expect(new Set(labels).size).toBe(labels.length);
    // A failed sign-in is a wrong password, a passkey that did not verify, or a wrong code.
    expect(eventLabel('LOGIN_FAILED')).not.toMatch(/password/i);
  });

  it('shows an unknown type as it is, even one that names an Object property', () => {
    for (const t of ['SOMETHING_NEW', 'constructor', '__proto__', 'toString', 'hasOwnProperty', ''])
      expect(eventLabel(t)).toBe(t);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('examples/web Security page in Chromium', () => {
  let server: HttpTestApp;
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    outDir = await buildWebExample('web-security-');
    server = await startHttpApp({ staticDir: outDir, env: { REFRESH_TOKEN_TRANSPORT: 'cookie' } });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('lists the sessions, signs another device out, and shows the recent events', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    const email = uniqueEmail('websec');
    const password = 'correct horse battery';
    // A User-Agent is whatever the signing-in client sends: the page must show it as text.
    const hostileAgent = '<img src=x onerror="window.__pwned=1">Evil/1.0';

    await withScreenshotOnFailure(page, 'web-security', async () => {
      await page.goto(server.origin, { waitUntil: 'load' });
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Name').fill('Sec User');
      await signup.getByLabel('E-mail').fill(email);
      await signup.getByLabel('Password').fill(password);
      await signup.getByRole('button', { name: 'Sign up' }).click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toBe(`Signed in as ${email}.`);

      // A second device signs in, with its own User-Agent.
      const other = await server.app.gql(
        'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
        { e: email, p: password },
        { headers: { 'user-agent': hostileAgent } },
      );
      const otherToken = other.body.data!.login.token as string;
      const userId = decodeJwt(otherToken).claims.sub as string;

      await page.getByRole('link', { name: 'Security' }).click();
      const sessions = page.locator('#sessions li');
      await expect.poll(() => sessions.count(), { timeout: 20_000 }).toBe(2);
      const current = sessions.filter({ has: page.locator('.badge', { hasText: /^This device$/ }) });
      expect(await current.count()).toBe(1);
      expect(await current.getByRole('button').count()).toBe(0);
      const device = sessions.filter({ hasText: 'Evil/1.0' });
      expect(await device.locator('.device').textContent()).toBe(hostileAgent);
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      const events = page.locator('#security-events tbody tr');
      await expect.poll(() => events.count()).toBe(2);
      expect(await events.nth(0).getAttribute('data-type')).toBe('LOGIN_SUCCEEDED');
      expect(await events.nth(1).locator('td').nth(1).textContent()).toBe('Account created');
      await screenshot(page, 'web-security');

      // "Sign out this device": the other device's token is refused from now on.
      await device.getByRole('button', { name: 'Sign out this device' }).click();
      await expect.poll(() => sessions.count(), { timeout: 20_000 }).toBe(1);
      expect(await sessions.first().locator('.badge').textContent()).toBe('This device');
      await expect.poll(() => events.first().getAttribute('data-type')).toBe('SESSION_REVOKED');
      expect(await events.first().locator('td').nth(1).textContent()).toBe('A device was signed out');
      expect((await server.app.gql(ME, undefined, { token: otherToken })).code).toBe('UNAUTHENTICATED');

      // A failed sign-in, and an event type this page does not know (a newer server's): the one
      // gets its name, the other is shown as it is, even a name that is an Object property.
      expect(
        (
          await server.app.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
            e: email,
            p: 'not the password',
          })
        ).code,
      ).toBe('UNAUTHENTICATED');
      await server.app.services.securityLog.settled();
      await server.app.services.securityLog.record('constructor' as SecurityEventType, { userId });

      // This device is still signed in; a reload stays on the Security page.
      await page.reload({ waitUntil: 'load' });
      await expect.poll(() => sessions.count(), { timeout: 20_000 }).toBe(1);
      await expect.poll(() => events.first().getAttribute('data-type'), { timeout: 20_000 }).toBe('constructor');
      expect(await events.nth(0).locator('td').nth(1).textContent()).toBe('constructor');
      expect(await events.nth(1).getAttribute('data-type')).toBe('LOGIN_FAILED');
      expect(await events.nth(1).locator('td').nth(1).textContent()).toBe('Failed sign-in attempt');
      expect(await page.locator('#profile-page').isHidden()).toBe(true);
      await page.getByRole('link', { name: 'Profile' }).click();
      // The page follows the hashchange event, which comes after the click: wait for it.
      await expect.poll(() => page.locator('#profile-page').isVisible()).toBe(true);
      expect(await page.locator('#security-page').isHidden()).toBe(true);
    });
    await page.close();
  });
});
