import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN, ME, uniqueEmail } from './helpers/app.js';
import { dbKind } from './helpers/db.js';
import { startHttpApp, type HttpTestApp } from './helpers/http.js';
import { expireTokens, REFRESH, REQUEST_RESET, RESET, SIGNUP_WITH_REFRESH, post } from './helpers/mail-ops.js';
import { linkIn, startSmtp, tokenIn, type TestSmtp } from './helpers/smtp.js';

// Password reset end to end: a real SMTP server in this process, the API over HTTP, the database of
// this project (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).
let smtp: TestSmtp;
let server: HttpTestApp;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startHttpApp({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Acme Accounts <accounts@acme.test>', PRODUCT_NAME: 'Acme' },
  });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

async function signup(email = uniqueEmail('reset')) {
  const res = await post(server.endpoint, SIGNUP_WITH_REFRESH, { input: { name: 'Riley', email, password: PASSWORD } });
  expect(res.errors).toBeUndefined();
  return { email, ...(res.data!.signup as { token: string; refreshToken: string; user: { id: string } }) };
}

async function resetMail(email: string, headers: Record<string, string> = {}) {
  expect((await post(server.endpoint, REQUEST_RESET, { email }, undefined, headers)).data).toEqual({
    requestPasswordReset: true,
  });
  await server.app.services.background.idle();
  return smtp.waitFor((m) => m.to === email && m.subject.includes('Reset'));
}

const passwordOf = async (email: string, password: string) =>
  (await post(server.endpoint, LOGIN, { email, password })).code;

describe(`password reset by mail, over HTTP (${dbKind})`, () => {
  it('request -> mail -> page -> new password -> log in; every earlier token refused; notice mailed', async () => {
    const account = await signup();
    const mail = await resetMail(account.email);

    // The mail: from MAIL_FROM, a subject that says what it is, the product, text and HTML, the link whole.
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Acme Accounts', address: 'accounts@acme.test' });
    expect(mail.subject).toBe('Reset your Acme password');
    expect(mail.text).toContain('Acme');
    expect(mail.html).toContain('Choose a new password');
    const link = linkIn(mail, '/reset-password');
    expect(`${link.origin}${link.pathname}`).toBe(`${server.origin}/reset-password`);
    const token = link.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail.html).toContain(link.toString());

    // The page the link opens, served by this server.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('type="password"');

    // The stored row holds the hash only.
    const rows = await server.app.query('SELECT token_hash FROM account_tokens WHERE user_id = ?', [account.user.id]);
    expect(JSON.stringify(rows)).not.toContain(token);

    const res = await post(server.endpoint, RESET, { token, pw: 'a brand new password' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.resetPassword.user).toEqual({ id: account.user.id, email: account.email, emailVerified: true });
    const fresh = res.data!.resetPassword.token as string;

    expect(await passwordOf(account.email, 'a brand new password')).toBeNull();
    expect(await passwordOf(account.email, PASSWORD)).toBe('UNAUTHENTICATED');
    // Every earlier access and refresh token is refused; the new one works.
    expect((await post(server.endpoint, ME, {}, account.token)).code).toBe('UNAUTHENTICATED');
    expect((await post(server.endpoint, REFRESH, { rt: account.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await post(server.endpoint, ME, {}, fresh)).data?.me.id).toBe(account.user.id);
    // The reset ended every earlier session (the signup's is no longer listed), and the log says why.
    const signupSid = JSON.parse(Buffer.from(account.token.split('.')[1]!, 'base64url').toString()).sid;
    const sessions = await post(server.endpoint, '{ sessions { id current } }', {}, fresh);
    const ids = sessions.data?.sessions.map((x: { id: string }) => x.id);
    expect(ids).not.toContain(signupSid);
    expect(sessions.data?.sessions).toContainEqual(expect.objectContaining({ current: true }));
    await server.app.services.securityLog.settled();
    const log = await post(server.endpoint, '{ securityEvents(first: 50) { nodes { type } } }', {}, fresh);
    const types = log.data?.securityEvents.nodes.map((n: { type: string }) => n.type);
    expect(types).toContain('PASSWORD_RESET');
    expect(types).toContain('PASSWORD_RESET_REQUESTED');

    await server.app.services.background.idle();
    const notice = await smtp.waitFor((m) => m.to === account.email && m.subject === 'Your Acme password was changed');
    expect(notice.text).not.toContain('token=');

    // Single use.
    const again = await post(server.endpoint, RESET, { token, pw: 'yet another password' });
    expect(again.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'TOKEN_USED' });
    expect(await passwordOf(account.email, 'a brand new password')).toBeNull();
  });

  it('answers true for an address with no account, sends nothing, in about the same time', async () => {
    const known = await signup();
    const unknown = uniqueEmail('nobody');
    const before = smtp.mails.length;
    const time = async (email: string) => {
      const t0 = performance.now();
      const res = await post(server.endpoint, REQUEST_RESET, { email });
      const elapsed = performance.now() - t0;
      expect(res.data).toEqual({ requestPasswordReset: true });
      // The background work (lookup, mail to the SMTP server in this very process) is let finish
      // between samples, so that one request's aftermath does not slow the next one's answer.
      await server.app.services.background.idle();
      return elapsed;
    };
    // Alternating, and the median of each: the answer never waits for the lookup or the mail.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 5; i++) {
      a.push(await time(known.email));
      b.push(await time(`${i}${unknown}`));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    expect(Math.abs(median(a) - median(b))).toBeLessThan(50);
    await server.app.services.background.idle();
    const sent = smtp.mails.slice(before);
    expect(sent.every((m) => m.to === known.email)).toBe(true);
    expect(sent.length).toBeGreaterThan(0);
  });

  it('the session a reset starts is listed with its user agent and address, like a sign-in, and logged as PASSWORD_RESET', async () => {
    const account = await signup();
    const token = tokenIn(await resetMail(account.email, { 'user-agent': 'Device/forgot-form' }), '/reset-password');
    const res = await fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Device/reset-page' },
      body: JSON.stringify({ query: RESET, variables: { token, pw: 'a brand new passphrase' } }),
    });
    const reset = (await res.json()) as { data: { resetPassword: { token: string } } };
    const access = reset.data.resetPassword.token;
    const listed = await post(
      server.endpoint,
      `{ sessions { userAgent address current } securityEvents(first: 1) { edges { node { type userAgent } } } }`,
      {},
      access,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.sessions).toEqual([
      { userAgent: 'Device/reset-page', address: expect.any(String), current: true },
    ]);
    expect(listed.data!.securityEvents.edges[0].node).toEqual({
      type: 'PASSWORD_RESET',
      userAgent: 'Device/reset-page',
    });
    // The request, recorded in its background work, keeps the User-Agent of the form that asked.
    await server.app.services.securityLog.settled();
    const log = await post(
      server.endpoint,
      '{ securityEvents(first: 50) { nodes { type address userAgent sessionId } } }',
      {},
      access,
    );
    expect(log.data!.securityEvents.nodes).toContainEqual({
      type: 'PASSWORD_RESET_REQUESTED',
      address: '127.0.0.1',
      userAgent: 'Device/forgot-form',
      sessionId: null,
    });
  });

  it('a newer link makes the older one void', async () => {
    const account = await signup();
    const first = tokenIn(await resetMail(account.email), '/reset-password');
    const before = smtp.mails.length;
    await post(server.endpoint, REQUEST_RESET, { email: account.email });
    await server.app.services.background.idle();
    const second = tokenIn(
      await smtp.waitFor((m) => m.to === account.email && smtp.mails.indexOf(m) >= before),
      '/reset-password',
    );
    expect(second).not.toBe(first);
    const old = await post(server.endpoint, RESET, { token: first, pw: 'a brand new password' });
    expect(old.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'TOKEN_REPLACED' });
    expect(await passwordOf(account.email, PASSWORD)).toBeNull();
    expect((await post(server.endpoint, RESET, { token: second, pw: 'a brand new password' })).errors).toBeUndefined();
  });

  it('a reset voids an e-mail change asked for before it', async () => {
    const account = await signup();
    const theirs = uniqueEmail('taker');
    const before = smtp.mails.length;
    const asked = await post(
      server.endpoint,
      'mutation($e: String!, $pw: String!) { requestEmailChange(newEmail: $e, currentPassword: $pw) }',
      { e: theirs, pw: PASSWORD },
      account.token,
    );
    expect(asked.errors).toBeUndefined();
    const link = tokenIn(
      await smtp.waitFor((m) => m.to === theirs && smtp.mails.indexOf(m) >= before),
      '/verify-email',
    );
    const token = tokenIn(await resetMail(account.email), '/reset-password');
    expect((await post(server.endpoint, RESET, { token, pw: 'the owner took it back' })).errors).toBeUndefined();
    const opened = await post(server.endpoint, 'mutation($t: String!) { verifyEmail(token: $t) { email } }', {
      t: link,
    });
    expect(opened.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'token',
      reason: 'TOKEN_REPLACED',
    });
  });

  it('a password change makes an outstanding reset link void', async () => {
    const account = await signup();
    const token = tokenIn(await resetMail(account.email), '/reset-password');
    const changed = await post(
      server.endpoint,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: PASSWORD, n: 'the password i chose' },
      account.token,
    );
    expect(changed.errors).toBeUndefined();
    // The link was asked for before the change: whoever holds it must not undo the change.
    const old = await post(server.endpoint, RESET, { token, pw: 'a brand new password' });
    expect(old.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'TOKEN_REPLACED' });
    expect(await passwordOf(account.email, 'the password i chose')).toBeNull();
    expect(await passwordOf(account.email, 'a brand new password')).toBe('UNAUTHENTICATED');
    // A link asked for after the change works.
    const before = smtp.mails.length;
    await post(server.endpoint, REQUEST_RESET, { email: account.email });
    await server.app.services.background.idle();
    const fresh = tokenIn(
      await smtp.waitFor(
        (m) => m.to === account.email && m.subject.includes('Reset') && smtp.mails.indexOf(m) >= before,
      ),
      '/reset-password',
    );
    expect((await post(server.endpoint, RESET, { token: fresh, pw: 'a brand new password' })).errors).toBeUndefined();
  });

  it('refuses unknown, malformed and expired tokens with BAD_USER_INPUT on token, changing nothing', async () => {
    const account = await signup();
    const token = tokenIn(await resetMail(account.email), '/reset-password');
    const refused = async (t: string) =>
      (await post(server.endpoint, RESET, { token: t, pw: 'a brand new password' })).errors?.[0];

    for (const bad of [
      '',
      'not a token',
      `${token}x`,
      token.slice(0, -1),
      'A'.repeat(43),
      token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      expect((await refused(bad))?.extensions, bad).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'token',
        reason: 'TOKEN_INVALID',
      });
    }
    // Expired: PASSWORD_RESET_TTL has passed (moved back in the database rather than waited out).
    await expireTokens(server, account.user.id);
    expect((await refused(token))?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'token',
      reason: 'TOKEN_EXPIRED',
    });
    // Nothing changed: the old password and the old token still work.
    expect(await passwordOf(account.email, PASSWORD)).toBeNull();
    expect((await post(server.endpoint, ME, {}, account.token)).data?.me.id).toBe(account.user.id);
    // And the housekeeping deletes it.
    expect(await server.app.services.accountTokens.store.deleteExpired()).toBeGreaterThanOrEqual(1);
    expect(await server.app.query('SELECT id FROM account_tokens WHERE user_id = ?', [account.user.id])).toEqual([]);
  });

  it('applies the password policy before spending the token', async () => {
    const account = await signup();
    const token = tokenIn(await resetMail(account.email), '/reset-password');
    const weak = await post(server.endpoint, RESET, { token, pw: 'short' });
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(await passwordOf(account.email, PASSWORD)).toBeNull();
    expect((await post(server.endpoint, RESET, { token, pw: 'long enough now' })).errors).toBeUndefined();
  });

  it('spends a token once when two resets race with it', async () => {
    const account = await signup();
    const token = tokenIn(await resetMail(account.email), '/reset-password');
    const results = await Promise.all(
      ['first racing password', 'second racing password'].map((pw) => post(server.endpoint, RESET, { token, pw })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.find((r) => r.errors)?.errors?.[0]?.extensions?.reason).toBe('TOKEN_USED');
  });
});

describe('password-reset throttling', () => {
  let tight: HttpTestApp;
  beforeAll(async () => {
    tight = await startHttpApp({ env: { SMTP_URL: smtp.url, MAIL_MAX_PER_RECIPIENT: '2', MAIL_MAX_PER_ADDRESS: '5' } });
  });
  afterAll(() => tight?.close());

  it('per address asked for, and per client, whether or not an account exists: RATE_LIMITED with retryAfter', async () => {
    const target = uniqueEmail('flood');
    const ask = (email: string) => post(tight.endpoint, REQUEST_RESET, { email });
    expect((await ask(target)).data).toEqual({ requestPasswordReset: true });
    expect((await ask(target.toUpperCase())).data).toEqual({ requestPasswordReset: true });
    const third = await ask(target);
    expect(third.code).toBe('RATE_LIMITED');
    expect(third.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    // Other addresses from the same client, up to the per-client limit (5 in all).
    expect((await ask(uniqueEmail('a'))).data).toEqual({ requestPasswordReset: true });
    expect((await ask(uniqueEmail('b'))).data).toEqual({ requestPasswordReset: true });
    expect((await ask(uniqueEmail('c'))).code).toBe('RATE_LIMITED');
  });
});
