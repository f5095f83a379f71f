import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, type TestApp } from './helpers/app.js';
import {
  CONFIRM_TOTP,
  codeNow,
  DISABLE_TOTP,
  enrolTotp,
  loginChallenge,
  nextCode,
  SETUP_TOTP,
  VERIFY_LOGIN,
} from './helpers/totp.js';

// The second factor's events in the security log (issue 17's log, issue 18's feature).
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

const EVENTS = /* GraphQL */ `{ securityEvents(first: 20) { nodes { type address userAgent sessionId } } }`;

interface Event {
  type: string;
  address: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

async function events(token: string, a: TestApp = app): Promise<Event[]> {
  await a.services.securityLog.settled();
  const res = await a.gql(EVENTS, {}, { token });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.securityEvents.nodes;
}

async function eventTypes(token: string): Promise<string[]> {
  return (await events(token)).map((n) => n.type);
}

/** A request from a device of its own; through TRUST_PROXY, with a client address too. */
const from = (device: string, address?: string) => ({
  'user-agent': `Device/${device}`,
  ...(address ? { 'x-forwarded-for': address } : {}),
});
const sidOf = (token: string) => decodeJwt(token).claims.sid as string;

describe('the security log records the second factor', () => {
  it('MFA_ENABLED on confirm, RECOVERY_CODE_USED and LOGIN_SUCCEEDED on a recovery-code sign-in, MFA_DISABLED on disable', async () => {
    const user = await enrolTotp(app);
    expect(await eventTypes(user.token)).toContain('MFA_ENABLED');

    const challenge = await loginChallenge(app, user.email, user.password);
    const signedIn = await app.gql(VERIFY_LOGIN, { challenge, code: user.recoveryCodes[0] });
    const token = signedIn.body.data!.verifyLogin.token as string;
    const afterLogin = await eventTypes(token);
    expect(afterLogin).toContain('RECOVERY_CODE_USED');
    expect(afterLogin.filter((t) => t === 'LOGIN_SUCCEEDED')).toHaveLength(1);

    const off = await app.gql(DISABLE_TOTP, { code: nextCode(user.secret) }, { token });
    expect(off.body.data?.disableTotp, JSON.stringify(off.body)).toBe(true);
    expect((await eventTypes(token))[0]).toBe('MFA_DISABLED');
  });

  it('MFA_ENABLED and MFA_DISABLED keep the address, User-Agent and session of the request that made them', async () => {
    // Behind one proxy, so each request can say where it came from (yoga.fetch has no socket).
    const proxied = await createTestApp({ TRUST_PROXY: '1' }, { database: app.databaseUrl });
    try {
      const user = await proxied.signup({}, { headers: from('signup', '203.0.113.1') });
      const setup = await proxied.gql(
        SETUP_TOTP,
        { p: user.password },
        { token: user.token, headers: from('laptop', '203.0.113.5') },
      );
      const secret = setup.body.data!.setupTotp.secret as string;
      const confirm = await proxied.gql(
        CONFIRM_TOTP,
        { code: codeNow(secret) },
        { token: user.token, headers: from('laptop', '203.0.113.5') },
      );
      expect(confirm.body.errors).toBeUndefined();
      expect((await events(user.token, proxied))[0]).toEqual({
        type: 'MFA_ENABLED',
        address: '203.0.113.5',
        userAgent: 'Device/laptop',
        sessionId: sidOf(user.token),
      });

      // Turned off from another device, in another session.
      const challenge = await loginChallenge(proxied, user.email, user.password);
      const phone = (
        await proxied.gql(
          VERIFY_LOGIN,
          { challenge, code: nextCode(secret) },
          { headers: from('phone', '198.51.100.9') },
        )
      ).body.data!.verifyLogin.token as string;
      const off = await proxied.gql(
        DISABLE_TOTP,
        { code: confirm.body.data!.confirmTotp[0] },
        { token: phone, headers: from('phone', '198.51.100.9') },
      );
      expect(off.body.data).toEqual({ disableTotp: true });
      expect((await events(phone, proxied))[0]).toEqual({
        type: 'MFA_DISABLED',
        address: '198.51.100.9',
        userAgent: 'Device/phone',
        sessionId: sidOf(phone),
      });
      expect(sidOf(phone)).not.toBe(sidOf(user.token));
    } finally {
      await proxied.close(); // the database is app's
    }
  });
});

describe('a wrong code at verifyLogin', () => {
  it('is recorded as LOGIN_FAILED on the account (the password was right), from the device that tried, in no session', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const wrong = await app.gql(VERIFY_LOGIN, { challenge, code: '000000' }, { headers: from('thief') });
    expect(wrong.body.errors?.[0]).toMatchObject({ message: 'Invalid code', extensions: { code: 'UNAUTHENTICATED' } });
    expect(wrong.body.data).toBeNull();
    await app.services.securityLog.settled(); // written in the background, after the answer

    // The same challenge still signs in with the right code; the failure is in the owner's log.
    const ok = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) }, { headers: from('owner') });
    const token = ok.body.data!.verifyLogin.token as string;
    const log = await events(token);
    expect(log.map((e) => e.type).slice(0, 2)).toEqual(['LOGIN_SUCCEEDED', 'LOGIN_FAILED']);
    expect(log[1]).toEqual({ type: 'LOGIN_FAILED', address: null, userAgent: 'Device/thief', sessionId: null });
    const [row] = await app.query("SELECT details FROM security_events WHERE user_id = ? AND type = 'LOGIN_FAILED'", [
      user.id,
    ]);
    expect(JSON.parse(row.details)).toEqual({ method: 'password+totp', passwordCorrect: true });
  });

  it('answers the same, and the right code still signs in, when the event cannot be written', async () => {
    const broken = await createTestApp();
    try {
      const user = await enrolTotp(broken);
      await broken.query('DROP TABLE security_events');
      const challenge = await loginChallenge(broken, user.email, user.password);
      const wrong = await broken.gql(VERIFY_LOGIN, { challenge, code: '000000' });
      expect(wrong.body.errors?.[0]).toMatchObject({
        message: 'Invalid code',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      const ok = await broken.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data!.verifyLogin.user.id).toBe(user.id);
      await broken.services.securityLog.settled();
    } finally {
      await broken.close();
    }
  });
});

describe('a verifyLogin attempt refused by the login throttle', () => {
  it('is recorded as LOGIN_THROTTLED on the account, once per window, from the device that tried; the answer is RATE_LIMITED as before', async () => {
    // One failure per account and address: the next attempt from that address is refused.
    const throttled = await createTestApp(
      { TRUST_PROXY: '1', LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '1' },
      { database: app.databaseUrl },
    );
    try {
      const user = await enrolTotp(throttled);
      const challenge = await loginChallenge(throttled, user.email, user.password);
      const thief = from('thief', '203.0.113.7');
      expect((await throttled.gql(VERIFY_LOGIN, { challenge, code: '000000' }, { headers: thief })).code).toBe(
        'UNAUTHENTICATED',
      );
      const refused = await throttled.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) }, { headers: thief });
      // Nothing about the log in the answer: the throttle's message and retryAfter, no data.
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors).toEqual([
        expect.objectContaining({
          message: 'Too many attempts, try again later',
          extensions: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) },
        }),
      ]);
      expect((await throttled.gql(VERIFY_LOGIN, { challenge, code: '111111' }, { headers: thief })).code).toBe(
        'RATE_LIMITED',
      );

      const log = await events(user.token, throttled);
      expect(log.map((e) => e.type).slice(0, 2)).toEqual(['LOGIN_THROTTLED', 'LOGIN_FAILED']);
      expect(log[0]).toEqual({
        type: 'LOGIN_THROTTLED',
        address: '203.0.113.7',
        userAgent: 'Device/thief',
        sessionId: null,
      });
      // Two refused attempts, one event (the throttle window's).
      expect(log.filter((e) => e.type === 'LOGIN_THROTTLED')).toHaveLength(1);

      // The owner, from another address, still signs in with the same challenge.
      const ok = await throttled.gql(
        VERIFY_LOGIN,
        { challenge, code: nextCode(user.secret) },
        { headers: from('owner', '198.51.100.2') },
      );
      expect(ok.body.errors).toBeUndefined();
    } finally {
      await throttled.close(); // the database is app's
    }
  });

  it('still answers RATE_LIMITED when the event cannot be written', async () => {
    const broken = await createTestApp({ LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '1' });
    try {
      const user = await enrolTotp(broken);
      await broken.query('DROP TABLE security_events');
      const challenge = await loginChallenge(broken, user.email, user.password);
      expect((await broken.gql(VERIFY_LOGIN, { challenge, code: '000000' })).code).toBe('UNAUTHENTICATED');
      expect((await broken.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) })).code).toBe('RATE_LIMITED');
      await broken.services.securityLog.settled();
    } finally {
      await broken.close();
    }
  });
});

const RESET = /* GraphQL */ `
  mutation($t: String!, $p: String!, $code: String) { resetPassword(token: $t, newPassword: $p, code: $code) { token } }
`;

/** A password-reset link's token for the account, stored as requestPasswordReset stores one. */
async function resetTokenFor(a: TestApp, userId: string, email: string): Promise<string> {
  const issued = await a.services.accountTokens.issue({ userId, purpose: 'PASSWORD_RESET', email, ttlSeconds: 600 });
  return issued.token;
}

describe('a wrong code at resetPassword', () => {
  it('is recorded as LOGIN_FAILED on the account (whoever tried had the link), from the device that tried, in no session', async () => {
    const user = await enrolTotp(app);
    const t = await resetTokenFor(app, user.id, user.email);
    const p = 'a brand new passphrase';
    // Without a code: MFA_REQUIRED, which is a step of the reset, not a failure.
    expect((await app.gql(RESET, { t, p }, { headers: from('thief') })).code).toBe('MFA_REQUIRED');
    const wrong = await app.gql(RESET, { t, p, code: '000000' }, { headers: from('thief') });
    expect(wrong.body.errors?.[0]).toMatchObject({ message: 'Invalid code', extensions: { code: 'UNAUTHENTICATED' } });
    expect(wrong.body.data).toBeNull();
    await app.services.securityLog.settled(); // written in the background, after the answer

    // The link still works with the right code; the failure is in the owner's log, before the reset.
    const ok = await app.gql(RESET, { t, p, code: nextCode(user.secret) }, { headers: from('owner') });
    const token = ok.body.data!.resetPassword.token as string;
    const log = await events(token);
    expect(log.map((e) => e.type)).toEqual(['PASSWORD_RESET', 'LOGIN_FAILED', 'MFA_ENABLED', 'SIGNED_UP']);
    expect(log[1]).toEqual({ type: 'LOGIN_FAILED', address: null, userAgent: 'Device/thief', sessionId: null });
    const [row] = await app.query("SELECT details FROM security_events WHERE user_id = ? AND type = 'LOGIN_FAILED'", [
      user.id,
    ]);
    expect(JSON.parse(row.details)).toEqual({ method: 'reset-link+totp' });
  });

  it('answers the same, and the right code still resets, when the event cannot be written', async () => {
    const broken = await createTestApp();
    try {
      const user = await enrolTotp(broken);
      await broken.query('DROP TABLE security_events');
      const t = await resetTokenFor(broken, user.id, user.email);
      const p = 'another new passphrase';
      const wrong = await broken.gql(RESET, { t, p, code: '000000' });
      expect(wrong.body.errors?.[0]).toMatchObject({
        message: 'Invalid code',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      const ok = await broken.gql(RESET, { t, p, code: nextCode(user.secret) });
      expect(ok.body.errors).toBeUndefined();
      expect(decodeJwt(ok.body.data!.resetPassword.token).claims.sub).toBe(user.id);
      await broken.services.securityLog.settled();
    } finally {
      await broken.close();
    }
  });
});

describe('a resetPassword code refused by the login throttle', () => {
  it('is recorded as LOGIN_THROTTLED on the account, from the device that tried; the link stays usable', async () => {
    const throttled = await createTestApp(
      { TRUST_PROXY: '1', LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '1' },
      { database: app.databaseUrl },
    );
    try {
      const user = await enrolTotp(throttled);
      const t = await resetTokenFor(throttled, user.id, user.email);
      const p = 'a third new passphrase';
      const thief = from('thief', '203.0.113.9');
      expect((await throttled.gql(RESET, { t, p, code: '000000' }, { headers: thief })).code).toBe('UNAUTHENTICATED');
      const refused = await throttled.gql(RESET, { t, p, code: nextCode(user.secret) }, { headers: thief });
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) } }),
      ]);
      await throttled.services.securityLog.settled();

      // The owner, from another address, still resets with the same link; the log shows the attempt.
      const ok = await throttled.gql(
        RESET,
        { t, p, code: nextCode(user.secret) },
        { headers: from('owner', '198.51.100.3') },
      );
      expect(ok.body.errors).toBeUndefined();
      const log = await events(ok.body.data!.resetPassword.token as string, throttled);
      expect(log.map((e) => e.type).slice(0, 3)).toEqual(['PASSWORD_RESET', 'LOGIN_THROTTLED', 'LOGIN_FAILED']);
      expect(log[1]).toEqual({
        type: 'LOGIN_THROTTLED',
        address: '203.0.113.9',
        userAgent: 'Device/thief',
        sessionId: null,
      });
    } finally {
      await throttled.close(); // the database is app's
    }
  });
});

describe('a throttle that cannot answer (its store down)', () => {
  it('fails the sign-in as a server error and records no LOGIN_THROTTLED: an outage is not a throttled attempt', async () => {
    const outage = await createTestApp();
    try {
      const user = await outage.signup();
      const throttle = outage.services.throttle;
      const check = throttle.check;
      // The throttle's own store failing (Redis unreachable, say): the check throws, not RATE_LIMITED.
      throttle.check = async () => {
        throw new Error('throttle store unreachable');
      };
      try {
        const res = await outage.login(user.email, 'wrong password entirely');
        expect(res.body.data).toBeNull();
        expect(res.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      } finally {
        throttle.check = check;
      }
      await outage.services.securityLog.settled();
      const log = await events(user.token, outage);
      expect(log.map((e) => e.type)).toEqual(['SIGNED_UP']);
    } finally {
      await outage.close();
    }
  });
});
