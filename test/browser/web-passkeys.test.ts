import fs from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/auth/refresh-tokens.js';
import { uniqueEmail } from '../helpers/app.js';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM_MESSAGE,
  buildWebExample,
  isLocalUrl,
  launchChromium,
  recordRequests,
  screenshot,
  withScreenshotOnFailure,
} from '../helpers/browser.js';
import { freePort, startHttpApp, type HttpTestApp } from '../helpers/http.js';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

const PASSKEYS = '{ passkeys { id name createdAt lastUsedAt } }';
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

/**
 * Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain, through
 * playwright-core's CDP session): a platform authenticator with resident keys and user
 * verification that answers every ceremony at once, with no prompt.
 */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

describe.skipIf(!HAVE_CHROMIUM)('examples/web passkeys in Chromium, with its virtual authenticator', () => {
  let server: HttpTestApp;
  let cookieServer: HttpTestApp;
  let browser: Browser;
  let outDir: string;
  let origin: string;
  let cookieOrigin: string;

  beforeAll(async () => {
    outDir = await buildWebExample('web-passkeys-');
    // WebAuthn needs a secure context and a domain for the RP id: http://localhost is both
    // (127.0.0.1 is secure but an IP address cannot be an RP id). The settings name the
    // page's origin, so the port is chosen first.
    const port = await freePort();
    origin = `http://localhost:${port}`;
    // Body mode: the test reaches the refresh token to age the session (cookie mode is web.test.ts's).
    server = await startHttpApp({
      staticDir: outDir,
      port,
      env: { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: origin, WEBAUTHN_RP_NAME: 'Passkey test' },
    });
    // Cookie mode, as recommended for browser frontends: the refresh token in an HttpOnly cookie.
    const cookiePort = await freePort();
    cookieOrigin = `http://localhost:${cookiePort}`;
    cookieServer = await startHttpApp({
      staticDir: outDir,
      port: cookiePort,
      env: { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: cookieOrigin, REFRESH_TOKEN_TRANSPORT: 'cookie' },
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cookieServer?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('adds a passkey, signs in with it by e-mail and without one, and removes it after a step-up', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    const urls = await recordRequests(page);
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    const email = uniqueEmail('webpasskey');
    const password = 'correct horse battery';
    const status = page.locator('#status');
    const error = page.locator('#error');
    const notice = page.locator('#notice');
    const list = page.locator('#passkeys li');
    const events = page.locator('#security-events tbody tr');
    const token = () => page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'));
    const refreshToken = () => page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:refresh-token'));
    const logOut = async () => {
      await page.getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('Not signed in.');
      expect(await token()).toBeNull();
    };
    const passkeySignIn = async (withEmail: string) => {
      const login = page.locator('#login-form');
      await login.getByLabel('E-mail').fill(withEmail);
      await login.getByRole('button', { name: 'Sign in with a passkey' }).click();
    };

    await withScreenshotOnFailure(page, 'web-passkeys', async () => {
      await page.goto(origin, { waitUntil: 'load' });
      expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Name').fill('Passkey User');
      await signup.getByLabel('E-mail').fill(email);
      await signup.getByLabel('Password').fill(password);
      await signup.getByRole('button', { name: 'Sign up' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);

      // Security page: no passkeys yet. "Add a passkey" (the sign-up is fresh: no step-up prompt).
      await page.getByRole('link', { name: 'Security' }).click();
      await page.locator('#passkeys-empty').waitFor({ state: 'visible', timeout: 20_000 });
      expect(await list.count()).toBe(0);
      const add = page.locator('#passkey-add-form');
      await add.getByLabel('Name for the new passkey').fill('Test laptop');
      await add.getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => list.count(), { timeout: 20_000 }).toBe(1);
      expect(await list.first().locator('.name').textContent()).toBe('Test laptop');
      expect(await list.first().locator('.meta').textContent()).toMatch(
        /^on one device only · added .+ · not used yet$/,
      );
      expect(await notice.textContent()).toBe('Passkey "Test laptop" added: you can sign in with it now.');
      expect(await error.isHidden()).toBe(true);
      expect(await page.locator('#passkeys-empty').isHidden()).toBe(true);
      await expect.poll(() => events.first().getAttribute('data-type'), { timeout: 20_000 }).toBe('PASSKEY_ADDED');
      expect(await events.first().locator('td').nth(1).textContent()).toBe('Passkey added');
      await screenshot(page, 'web-passkeys-added');

      // The authenticator holds one discoverable credential for this RP id; the API lists it.
      const held = await credentials();
      expect(held).toHaveLength(1);
      expect(held[0]!.isResidentCredential).toBe(true);
      expect(held[0]!.rpId).toBe('localhost');
      const listed = await server.app.gql(PASSKEYS, {}, { token: (await token())! });
      expect(listed.body.data!.passkeys).toMatchObject([{ name: 'Test laptop', lastUsedAt: null }]);
      const passkeyId = listed.body.data!.passkeys[0].id as string;
      expect(await list.first().getAttribute('data-passkey-id')).toBe(passkeyId);
      // The userHandle the authenticator keeps names the account opaquely: not its e-mail, not its id.
      const userHandle = Buffer.from(held[0]!.userHandle ?? '', 'base64').toString('latin1');
      const me = await server.app.gql('{ me { id } }', {}, { token: (await token())! });
      expect(userHandle).not.toContain(email);
      expect(userHandle).not.toContain(me.body.data!.me.id);

      // "Rename": the new name in the list and in the API.
      await list.first().getByRole('button', { name: 'Rename' }).click();
      await list.first().getByLabel('New name').fill('Work laptop');
      await list.first().getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => list.first().locator('.name').textContent(), { timeout: 20_000 }).toBe('Work laptop');
      expect(await list.first().locator('form').count()).toBe(0);
      const renamed = await server.app.gql(PASSKEYS, {}, { token: (await token())! });
      expect(renamed.body.data!.passkeys).toMatchObject([{ id: passkeyId, name: 'Work laptop' }]);

      // Signed out. An address with no account gets options like any other (the API does not say
      // whether it exists), and this device holds none of the passkeys they list: a clear message.
      await logOut();
      await passkeySignIn(uniqueEmail('nobody'));
      await expect
        .poll(() => error.textContent(), { timeout: 20_000 })
        .toBe('No passkey was used (the prompt was closed, timed out, or this device has none for this site).');
      expect(await token()).toBeNull();

      // "Sign in with a passkey" with the e-mail filled in: no password asked.
      const countBefore = held[0]!.signCount;
      await passkeySignIn(email);
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      expect(await error.isHidden()).toBe(true);
      // The tokens are kept as a password login keeps them: both in sessionStorage (body mode).
      const byEmail = (await token())!;
      expect(claimsOf(byEmail).amr).toEqual(expect.arrayContaining(['hwk', 'user']));
      expect(claimsOf(byEmail).amr).not.toContain('pwd');
      expect(claimsOf(byEmail).sid).toEqual(expect.any(String));
      expect(await refreshToken()).toMatch(/^[\w-]{43}$/);
      expect((await credentials())[0]!.signCount).toBeGreaterThan(countBefore);
      await page.getByRole('link', { name: 'Security' }).click();
      await expect.poll(() => list.first().locator('.meta').textContent(), { timeout: 20_000 }).toContain('last used');

      // And with the e-mail left empty: the authenticator offers its discoverable credential.
      await logOut();
      await passkeySignIn('');
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      const discoverable = (await token())!;
      expect(claimsOf(discoverable).amr).toEqual(expect.arrayContaining(['hwk', 'user']));
      expect(claimsOf(discoverable).sid).not.toBe(claimsOf(byEmail).sid);

      // An hour later (as the session's stored sign-in time says): "Remove" asks for the password.
      await server.app.query('UPDATE refresh_tokens SET auth_time = ? WHERE token_hash = ?', [
        new Date(Date.now() - 3600_000).toISOString(),
        hashRefreshToken((await refreshToken())!),
      ]);
      await page.evaluate(() =>
        window.sessionStorage.setItem('graphql-auth-api:token', 'eyJhbGciOiJIUzI1NiJ9.e30.bad'),
      );
      await page.goto(`${origin}/#security`, { waitUntil: 'load' });
      await expect.poll(() => list.count(), { timeout: 20_000 }).toBe(1);
      page.once('dialog', (d) => void d.accept());
      await list.first().getByRole('button', { name: 'Remove' }).click();
      const reauth = page.locator('#reauth-form');
      await reauth.waitFor({ state: 'visible', timeout: 20_000 });
      await reauth.getByLabel('Password').fill(password);
      await reauth.getByRole('button', { name: 'Continue' }).click();
      await expect.poll(() => list.count(), { timeout: 20_000 }).toBe(0);
      expect(await page.locator('#passkeys-empty').isVisible()).toBe(true);
      expect(await notice.textContent()).toBe('Removed the passkey "Work laptop".');
      await expect.poll(() => events.first().getAttribute('data-type'), { timeout: 20_000 }).toBe('PASSKEY_REMOVED');
      expect(await events.first().locator('td').nth(1).textContent()).toBe('Passkey removed');
      const after = await server.app.gql(PASSKEYS, {}, { token: (await token())! });
      expect(after.body.data!.passkeys).toEqual([]);

      // The device still holds the credential, but the API no longer accepts it: a clear message.
      expect(await credentials()).toHaveLength(1);
      await logOut();
      await passkeySignIn('');
      await expect
        .poll(() => error.textContent(), { timeout: 20_000 })
        .toBe('That passkey was not accepted. Try again, or log in with your password.');
      expect(await token()).toBeNull();
      expect(await status.textContent()).toBe('Not signed in.');
      await screenshot(page, 'web-passkeys-refused');
    });
    expect(urls.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });

  it('in cookie mode a passkey sign-in sets the HttpOnly refresh cookie, as login does', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    await virtualAuthenticator(page);
    const email = uniqueEmail('webpasskeycookie');
    const status = page.locator('#status');
    await withScreenshotOnFailure(page, 'web-passkeys-cookie', async () => {
      await page.goto(cookieOrigin, { waitUntil: 'load' });
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Name').fill('Cookie User');
      await signup.getByLabel('E-mail').fill(email);
      await signup.getByLabel('Password').fill('correct horse battery');
      await signup.getByRole('button', { name: 'Sign up' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      await page.getByRole('link', { name: 'Security' }).click();
      await page.locator('#passkey-add-form').getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => page.locator('#passkeys li').count(), { timeout: 20_000 }).toBe(1);
      expect(await page.locator('#passkeys li .name').textContent()).toBe('Unnamed passkey');
      await page.getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('Not signed in.');
      await page.context().clearCookies();

      await page.locator('#login-form').getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      // No refresh token for scripts; the HttpOnly cookie instead.
      expect(await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:refresh-token'))).toBeNull();
      expect(await page.evaluate(() => document.cookie)).not.toContain('refresh');
      expect((await page.context().cookies()).some((c) => c.httpOnly)).toBe(true);
      // A refused access token is replaced through that cookie: the profile still loads after a reload.
      await page.evaluate(() =>
        window.sessionStorage.setItem('graphql-auth-api:token', 'eyJhbGciOiJIUzI1NiJ9.e30.bad'),
      );
      await page.reload({ waitUntil: 'load' });
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Signed in as ${email}.`);
      const token = await page.evaluate(() => window.sessionStorage.getItem('graphql-auth-api:token'));
      expect(token).not.toBe('eyJhbGciOiJIUzI1NiJ9.e30.bad');
      expect(claimsOf(token!).amr).toEqual(expect.arrayContaining(['hwk']));
    });
    await page.close();
  });
});
