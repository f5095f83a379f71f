import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN, uniqueEmail } from './helpers/app.js';
import { dbKind } from './helpers/db.js';
import { startHttpApp, type HttpTestApp } from './helpers/http.js';
import {
  CHANGE_EMAIL,
  expireTokens,
  ME_VERIFIED,
  post,
  RESEND,
  SIGNUP_WITH_REFRESH,
  VERIFY,
} from './helpers/mail-ops.js';
import { linkIn, startSmtp, tokenIn, type TestSmtp } from './helpers/smtp.js';

// Address verification and e-mail change end to end, over HTTP with a real SMTP server in this
// process, on this project's database.
let smtp: TestSmtp;
let server: HttpTestApp;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  smtp = await startSmtp();
  server = await startHttpApp({ env: { SMTP_URL: smtp.url, LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '3' } });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

async function signup(email = uniqueEmail('verify'), endpoint = server.endpoint) {
  const res = await post(endpoint, SIGNUP_WITH_REFRESH, { input: { name: 'Vera', email, password: PASSWORD } });
  expect(res.errors).toBeUndefined();
  return {
    email,
    token: res.data!.signup.token as string,
    id: res.data!.signup.user.id as string,
    user: res.data!.signup.user,
  };
}

/** The account's security log, newest first, once every write has landed. */
async function securityLog(token: string) {
  await server.app.services.securityLog.settled();
  const res = await post(
    server.endpoint,
    '{ securityEvents(first: 50) { nodes { type address userAgent sessionId } } }',
    {},
    token,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.securityEvents.nodes as Array<{
    type: string;
    address: string | null;
    userAgent: string | null;
    sessionId: string | null;
  }>;
}

/** The browser a mailed link is opened in: a device of its own, signed in to nothing. */
const LINK_BROWSER = { 'user-agent': 'Device/mail-link' };

/** A mail with a verify-email link (after signup, a resend, or an e-mail change) to `email`. */
const verificationMail = (email: string, after = 0) =>
  smtp.waitFor((m) => m.to === email && m.subject.startsWith('Confirm your') && smtp.mails.indexOf(m) >= after);

describe(`e-mail verification (${dbKind})`, () => {
  it('signup -> mail -> link -> verifyEmail: emailVerified goes from false to true', async () => {
    const account = await signup();
    expect(account.user.emailVerified).toBe(false);
    const mail = await verificationMail(account.email);
    expect(mail.subject).toBe('Confirm your e-mail address for GraphQL Auth API');
    expect(mail.html).toContain('Confirm my e-mail address');
    const link = linkIn(mail, '/verify-email');
    expect(`${link.origin}${link.pathname}`).toBe(`${server.origin}/verify-email`);

    // The page the link opens; it confirms on a button press, not on load.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button type="submit">Confirm my e-mail address</button>');
    expect((await post(server.endpoint, ME_VERIFIED, {}, account.token)).data?.me.emailVerified).toBe(false);

    const res = await post(server.endpoint, VERIFY, { token: link.searchParams.get('token') }, undefined, LINK_BROWSER);
    expect(res.data?.verifyEmail).toEqual({ id: account.id, email: account.email, emailVerified: true });
    expect((await post(server.endpoint, ME_VERIFIED, {}, account.token)).data?.me.emailVerified).toBe(true);
    // In the log with the request that confirmed: the browser the link opened in, in no session.
    const log = await securityLog(account.token);
    expect(log[0]).toEqual({
      type: 'EMAIL_VERIFIED',
      address: '127.0.0.1',
      userAgent: 'Device/mail-link',
      sessionId: null,
    });
    expect(log.filter((e) => e.type === 'EMAIL_VERIFIED')).toHaveLength(1);
    const again = await post(server.endpoint, VERIFY, { token: link.searchParams.get('token') });
    expect(again.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'TOKEN_USED' });
    // A spent link records nothing more.
    expect((await securityLog(account.token)).filter((e) => e.type === 'EMAIL_VERIFIED')).toHaveLength(1);
    // Verified: nothing more to send.
    expect((await post(server.endpoint, RESEND, {}, account.token)).data).toEqual({ resendVerificationEmail: false });
  });

  it('resendVerificationEmail mails a new link and voids the older; bad and expired tokens are refused', async () => {
    const account = await signup();
    const first = tokenIn(await verificationMail(account.email), '/verify-email');
    const before = smtp.mails.length;
    expect((await post(server.endpoint, RESEND, {}, account.token)).data).toEqual({ resendVerificationEmail: true });
    const second = tokenIn(await verificationMail(account.email, before), '/verify-email');
    expect((await post(server.endpoint, VERIFY, { token: first })).errors?.[0]?.extensions?.reason).toBe(
      'TOKEN_REPLACED',
    );
    expect((await post(server.endpoint, VERIFY, { token: 'garbage' })).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'token',
      reason: 'TOKEN_INVALID',
    });
    await expireTokens(server, account.id);
    expect((await post(server.endpoint, VERIFY, { token: second })).errors?.[0]?.extensions?.reason).toBe(
      'TOKEN_EXPIRED',
    );
    expect((await post(server.endpoint, ME_VERIFIED, {}, account.token)).data?.me.emailVerified).toBe(false);
    expect((await post(server.endpoint, RESEND, {})).code).toBe('UNAUTHENTICATED');
  });

  it('a signup link proves only the address it was mailed to', async () => {
    const account = await signup();
    const token = tokenIn(await verificationMail(account.email), '/verify-email');
    // The account moves to another (proven) address before the old link is used.
    const next = uniqueEmail('moved');
    expect(
      (await post(server.endpoint, CHANGE_EMAIL, { email: next, pw: PASSWORD }, account.token)).errors,
    ).toBeUndefined();
    const change = tokenIn(await verificationMail(next), '/verify-email');
    expect((await post(server.endpoint, VERIFY, { token: change })).data?.verifyEmail.email).toBe(next);
    const stale = await post(server.endpoint, VERIFY, { token });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
  });
});

describe(`e-mail change with proof (${dbKind})`, () => {
  it('a password change voids an e-mail change asked for before it (whoever knew the old password)', async () => {
    const account = await signup();
    const theirs = uniqueEmail('taker');
    const before = smtp.mails.length;
    expect((await post(server.endpoint, CHANGE_EMAIL, { email: theirs, pw: PASSWORD }, account.token)).data).toEqual({
      requestEmailChange: true,
    });
    const link = tokenIn(await verificationMail(theirs, before), '/verify-email');
    const changed = await post(
      server.endpoint,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: PASSWORD, n: 'the owner took it back' },
      account.token,
    );
    expect(changed.errors).toBeUndefined();
    const opened = await post(server.endpoint, VERIFY, { token: link });
    expect(opened.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'token',
      reason: 'TOKEN_REPLACED',
    });
    const me = await post(server.endpoint, ME_VERIFIED, {}, changed.data!.changePassword.token);
    expect(me.data?.me.email).toBe(account.email);
  });

  it('mails the new address a link and the old one a notice; changes only on verifyEmail', async () => {
    const account = await signup();
    const next = uniqueEmail('NEW').toUpperCase();
    const before = smtp.mails.length;
    const res = await post(server.endpoint, CHANGE_EMAIL, { email: next, pw: PASSWORD }, account.token);
    expect(res.data).toEqual({ requestEmailChange: true });
    const confirm = await smtp.waitFor((m) => m.to === next.toLowerCase() && smtp.mails.indexOf(m) >= before);
    expect(confirm.subject).toBe('Confirm your new e-mail address for GraphQL Auth API');
    await server.app.services.background.idle();
    const notice = await smtp.waitFor((m) => m.to === account.email && m.subject.includes('is being changed'));
    expect(notice.text).toContain(next.toLowerCase());
    expect(notice.text).not.toContain('token=');

    // Not yet: the old address still signs in, the new one does not.
    expect((await post(server.endpoint, ME_VERIFIED, {}, account.token)).data?.me.email).toBe(account.email);
    expect((await post(server.endpoint, LOGIN, { email: next, password: PASSWORD })).code).toBe('UNAUTHENTICATED');

    expect((await securityLog(account.token)).map((e) => e.type)).not.toContain('EMAIL_CHANGED');

    const verified = await post(
      server.endpoint,
      VERIFY,
      { token: tokenIn(confirm, '/verify-email') },
      undefined,
      LINK_BROWSER,
    );
    expect(verified.data?.verifyEmail).toEqual({ id: account.id, email: next.toLowerCase(), emailVerified: true });
    // EMAIL_CHANGED (not EMAIL_VERIFIED), with the browser that opened the link to the new address.
    const log = await securityLog(account.token);
    expect(log[0]).toEqual({
      type: 'EMAIL_CHANGED',
      address: '127.0.0.1',
      userAgent: 'Device/mail-link',
      sessionId: null,
    });
    expect(log.map((e) => e.type)).not.toContain('EMAIL_VERIFIED');
    expect((await post(server.endpoint, LOGIN, { email: next, password: PASSWORD })).data?.login.user.id).toBe(
      account.id,
    );
    expect((await post(server.endpoint, LOGIN, { email: account.email, password: PASSWORD })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses a wrong current password (counted by the login throttle), a taken or invalid address', async () => {
    const account = await signup();
    const other = await signup();
    const wrong = await post(
      server.endpoint,
      CHANGE_EMAIL,
      { email: uniqueEmail('x'), pw: 'not my password' },
      account.token,
    );
    expect(wrong.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    expect(
      (await post(server.endpoint, CHANGE_EMAIL, { email: other.email, pw: PASSWORD }, account.token)).errors?.[0]
        ?.extensions,
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'newEmail',
    });
    expect(
      (await post(server.endpoint, CHANGE_EMAIL, { email: 'nope', pw: PASSWORD }, account.token)).errors?.[0]
        ?.extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'newEmail',
    });
    // Two more wrong passwords make three failures for this account from this address: login is throttled.
    for (let i = 0; i < 2; i++)
      await post(server.endpoint, CHANGE_EMAIL, { email: uniqueEmail('x'), pw: 'not my password' }, account.token);
    expect((await post(server.endpoint, LOGIN, { email: account.email, password: PASSWORD })).code).toBe(
      'RATE_LIMITED',
    );
    // No link went anywhere and nothing changed.
    expect(
      await server.app.query("SELECT id FROM account_tokens WHERE user_id = ? AND purpose = 'EMAIL_CHANGE'", [
        account.id,
      ]),
    ).toEqual([]);
  });

  it('an address taken between the request and the link: EMAIL_TAKEN, nothing changes', async () => {
    const account = await signup();
    const next = uniqueEmail('race');
    expect(
      (await post(server.endpoint, CHANGE_EMAIL, { email: next, pw: PASSWORD }, account.token)).errors,
    ).toBeUndefined();
    const token = tokenIn(await verificationMail(next), '/verify-email');
    await signup(next);
    const res = await post(server.endpoint, VERIFY, { token });
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TAKEN' });
    expect((await post(server.endpoint, ME_VERIFIED, {}, account.token)).data?.me.email).toBe(account.email);
  });
});

describe('resendVerificationEmail throttling', () => {
  let tight: HttpTestApp;
  beforeAll(async () => {
    tight = await startHttpApp({ env: { SMTP_URL: smtp.url, MAIL_MAX_PER_RECIPIENT: '2' } });
  });
  afterAll(() => tight?.close());

  it('answers RATE_LIMITED with retryAfter past MAIL_MAX_PER_RECIPIENT, and mails nothing more', async () => {
    const account = await signup(uniqueEmail('resend'), tight.endpoint);
    await tight.app.services.background.idle();
    for (let i = 0; i < 2; i++)
      expect((await post(tight.endpoint, RESEND, {}, account.token)).data).toEqual({ resendVerificationEmail: true });
    const sent = smtp.mails.filter((m) => m.to === account.email).length;
    const third = await post(tight.endpoint, RESEND, {}, account.token);
    expect(third.code).toBe('RATE_LIMITED');
    expect(third.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    expect(smtp.mails.filter((m) => m.to === account.email)).toHaveLength(sent);
  });
});

describe('EMAIL_VERIFICATION_REQUIRED=true', () => {
  let strict: HttpTestApp;
  beforeAll(async () => {
    strict = await startHttpApp({ env: { SMTP_URL: smtp.url, EMAIL_VERIFICATION_REQUIRED: 'true' } });
  });
  afterAll(() => strict?.close());

  const CHANGE_PASSWORD = /* GraphQL */ `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }`;

  it('unverified callers get FORBIDDEN (EMAIL_NOT_VERIFIED) except on the fields that let them verify, see or delete themselves', async () => {
    const account = await signup(uniqueEmail('strict'), strict.endpoint);
    const refused = await post(strict.endpoint, CHANGE_PASSWORD, { c: PASSWORD, n: 'another password' }, account.token);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
    expect((await post(strict.endpoint, ME_VERIFIED, {}, account.token)).data?.me.emailVerified).toBe(false);
    await verificationMail(account.email); // the signup's, sent in the background
    const before = smtp.mails.length;
    expect((await post(strict.endpoint, RESEND, {}, account.token)).data).toEqual({ resendVerificationEmail: true });
    const token = tokenIn(await verificationMail(account.email, before), '/verify-email');
    expect((await post(strict.endpoint, VERIFY, { token })).data?.verifyEmail.emailVerified).toBe(true);
    // The same token, now verified: allowed (the stored state counts at once).
    const ok = await post(strict.endpoint, CHANGE_PASSWORD, { c: PASSWORD, n: 'another password' }, account.token);
    expect(ok.errors).toBeUndefined();

    const leaving = await signup(uniqueEmail('strict'), strict.endpoint);
    const del = await post(strict.endpoint, 'mutation { deleteUser { id } }', {}, leaving.token);
    expect(del.data?.deleteUser.id).toBe(leaving.id);
  });

  it('off by default: the same call succeeds unverified', async () => {
    const account = await signup();
    const res = await post(server.endpoint, CHANGE_PASSWORD, { c: PASSWORD, n: 'another password' }, account.token);
    expect(res.errors).toBeUndefined();
  });
});
