import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { uniqueEmail } from '../helpers/app.js';
import { startHttpApp, type HttpTestApp } from '../helpers/http.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!HAVE_CHROMIUM)('examples/web in Chromium', () => {
  let server: HttpTestApp;
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    // The page as `vite build` makes it, served with the API on one origin (as Vite's proxy does).
    outDir = await buildWebExample('web-example-');
    // Cookie mode, as recommended for browser frontends: the refresh token is an HttpOnly cookie.
    server = await startHttpApp({ staticDir: outDir, env: { REFRESH_TOKEN_TRANSPORT: 'cookie' } });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('signs up, shows the profile, logs out, logs in, survives a reload and a refused token (cookie refresh), deletes the account', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    const urls = await recordRequests(page);
    const email = uniqueEmail('web');
    const password = 'correct horse battery';
    const profile = page.locator('#profile');

    await withScreenshotOnFailure(page, 'web', async () => {
      await page.goto(server.origin, { waitUntil: 'load' });
      await expect.poll(() => page.locator('#status').textContent()).toBe('Not signed in.');
      await screenshot(page, 'web-signed-out');

      // Sign up: the profile (which needs the token) appears.
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Name').fill('Web User');
      await signup.getByLabel('E-mail').fill(email);
      await signup.getByLabel('Password').fill(password);
      await signup.getByRole('button', { name: 'Sign up' }).click();
      await expect.poll(() => profile.locator('[data-field="email"]').textContent(), { timeout: 20_000 }).toBe(email);
      expect(await profile.locator('[data-field="role"]').textContent()).toBe('USER');
      expect(await page.locator('#status').textContent()).toBe(`Signed in as ${email}.`);
      expect(await page.locator('#signed-out').isHidden()).toBe(true);
      await screenshot(page, 'web-profile');

      // Where the token is: sessionStorage, for this tab.
      const token = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'));
      expect(token?.split('.')).toHaveLength(3);

      // Log out: the token is gone and the forms are back.
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toBe('Not signed in.');
      expect(await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'))).toBeNull();
      expect(await page.locator('#signed-in').isHidden()).toBe(true);
      expect(await page.locator('#signed-out').isVisible()).toBe(true);

      // A wrong password shows the server's message.
      const login = page.locator('#login-form');
      await login.getByLabel('E-mail').fill(email);
      await login.getByLabel('Password').fill('wrong password!');
      await login.getByRole('button', { name: 'Log in' }).click();
      await expect
        .poll(() => page.locator('#error').textContent(), { timeout: 20_000 })
        .toBe('Invalid email or password');

      // Log in.
      await login.getByLabel('E-mail').fill(email);
      await login.getByLabel('Password').fill(password);
      await login.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => profile.locator('[data-field="email"]').textContent(), { timeout: 20_000 }).toBe(email);
      expect(await page.locator('#error').isHidden()).toBe(true);

      // A reload keeps the session (sessionStorage) and loads the profile again.
      await page.reload({ waitUntil: 'load' });
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toBe(`Signed in as ${email}.`);

      // The access token is refused (here: replaced by a bad one; in life: expired): the page
      // refreshes it once with the HttpOnly cookie and the profile still loads.
      const before = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'));
      await page.evaluate(() =>
        window.sessionStorage.setItem('graphql-auth-api:token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad'),
      );
      await page.reload({ waitUntil: 'load' });
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toBe(`Signed in as ${email}.`);
      const after = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'));
      expect(after?.split('.')).toHaveLength(3);
      expect(after).not.toBe(before);
      expect(after).not.toContain('.bad');
      // The refresh token never reached the page's scripts.
      expect(await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:refresh-token'))).toBeNull();
      expect(await page.evaluate(() => document.cookie)).not.toContain('refresh');
      expect((await page.context().cookies()).some((c) => c.httpOnly)).toBe(true);

      // Delete the account (after the confirm dialog): signed out, and the account is gone.
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toBe(`Account ${email} deleted.`);
      await screenshot(page, 'web-deleted');
      const again = await server.app.gql('mutation($e:String!,$p:String!){ login(email:$e,password:$p){ token } }', {
        e: email,
        p: password,
      });
      expect(again.code).toBe('UNAUTHENTICATED');
    });

    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });
});
