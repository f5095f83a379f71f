import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/mfa/totp.js';
import { createTestApp, decodeJwt, LOGIN, ME, makeAdmin, type TestApp } from './helpers/app.js';
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

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

const TOTP_STATE = /* GraphQL */ `{ me { totpEnabled recoveryCodesRemaining } }`;

describe('setting up TOTP', () => {
  it('returns a base32 secret, its otpauth URI (SHA-1, 6 digits, 30 s) and a QR code as SVG', async () => {
    const user = await app.signup();
    const res = await app.gql(SETUP_TOTP, { p: user.password }, { token: user.token });
    const setup = res.body.data!.setupTotp;
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    const otp = URI.parse(setup.otpauthUri);
    expect(otp).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30, issuer: 'GraphQL Auth API' });
    expect(otp.label).toBe(user.email);
    expect(otp.secret.base32).toBe(setup.secret);
    expect(setup.qrCodeSvg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\s*$/);
    // Not on until confirmed: login still needs only the password.
    expect((await app.gql(TOTP_STATE, {}, { token: user.token })).body.data!.me.totpEnabled).toBe(false);
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).body.data!.login.token).toBeTruthy();
  });

  it('needs the current password; a wrong one is BAD_USER_INPUT and counts toward login throttling', async () => {
    const throttled = await createTestApp({ LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '2' });
    try {
      const user = await throttled.signup();
      for (let i = 0; i < 2; i++) {
        const res = await throttled.gql(SETUP_TOTP, { p: 'not my password' }, { token: user.token });
        expect(res.code).toBe('BAD_USER_INPUT');
        expect(res.body.errors![0]!.extensions!.field).toBe('currentPassword');
      }
      // The failures were counted against the account: the right password now waits too, and login as well.
      expect((await throttled.gql(SETUP_TOTP, { p: user.password }, { token: user.token })).code).toBe('RATE_LIMITED');
      expect((await throttled.gql(LOGIN, { email: user.email, password: user.password })).code).toBe('RATE_LIMITED');
    } finally {
      await throttled.close();
    }
  });

  it('stores the secret encrypted (AES-256-GCM), never in clear', async () => {
    const user = await enrolTotp(app);
    const [row] = await app.query<{ secret: string }>('SELECT secret FROM totp_factors WHERE user_id = ?', [user.id]);
    expect(row!.secret).toMatch(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(row!.secret).not.toContain(user.secret);
    // Recovery codes are stored as SHA-256 hashes only.
    const codes = await app.query<{ code_hash: string }>('SELECT code_hash FROM recovery_codes WHERE user_id = ?', [
      user.id,
    ]);
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c.code_hash).toMatch(/^[0-9a-f]{64}$/);
    for (const code of user.recoveryCodes) expect(JSON.stringify(codes)).not.toContain(code.replace(/-/g, ''));
  });

  it('confirmTotp turns it on with a real code and returns 10 distinct recovery codes, once', async () => {
    const user = await app.signup();
    const setup = await app.gql(SETUP_TOTP, { p: user.password }, { token: user.token });
    const secret = setup.body.data!.setupTotp.secret;
    const wrong = await app.gql(
      CONFIRM_TOTP,
      { code: codeNow(secret) === '000000' ? '111111' : '000000' },
      {
        token: user.token,
      },
    );
    expect(wrong.code).toBe('BAD_USER_INPUT');
    expect(wrong.body.errors![0]!.extensions!.field).toBe('code');
    const ok = await app.gql(CONFIRM_TOTP, { code: codeNow(secret) }, { token: user.token });
    const codes = ok.body.data!.confirmTotp as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect((await app.gql(TOTP_STATE, {}, { token: user.token })).body.data!.me).toEqual({
      totpEnabled: true,
      recoveryCodesRemaining: 10,
    });
    // Confirming again: nothing is waiting, so no second set of codes comes out.
    expect((await app.gql(CONFIRM_TOTP, { code: nextCode(secret) }, { token: user.token })).code).toBe(
      'BAD_USER_INPUT',
    );
    // And a new setup is refused while it is on.
    expect((await app.gql(SETUP_TOTP, { p: user.password }, { token: user.token })).code).toBe('BAD_USER_INPUT');
  });
});

describe('signing in with TOTP on', () => {
  it('login with the right password answers MFA_REQUIRED with a challenge and no token', async () => {
    const user = await enrolTotp(app);
    const res = await app.gql(LOGIN, { email: user.email, password: user.password });
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({
      message: 'A code from your authenticator app (or a recovery code) is required',
      extensions: { code: 'MFA_REQUIRED', challenge: expect.stringMatching(/^[\w-]{43}$/) },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/eyJ/); // no JWT anywhere
    // A wrong password is still the plain UNAUTHENTICATED, with no challenge.
    const wrong = await app.gql(LOGIN, { email: user.email, password: 'wrong password!' });
    expect(wrong.code).toBe('UNAUTHENTICATED');
    expect(wrong.body.errors![0]!.extensions!.challenge).toBeUndefined();
  });

  it('verifyLogin with a TOTP code signs in: amr ["pwd","otp"] and a fresh auth_time', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const before = Math.floor(Date.now() / 1000);
    const res = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
    const signedIn = res.body.data!.verifyLogin;
    expect(signedIn.user).toEqual({ id: user.id, email: user.email, totpEnabled: true });
    expect(signedIn.refreshToken).toMatch(/^[\w-]{43}$/);
    const { claims } = decodeJwt(signedIn.token);
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);
    expect((await app.gql(ME, {}, { token: signedIn.token })).body.data!.me.id).toBe(user.id);
  });

  it('a challenge is single use', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    expect((await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) })).body.data).toBeTruthy();
    const again = await app.gql(VERIFY_LOGIN, { challenge, code: user.recoveryCodes[0] });
    expect(again.code).toBe('UNAUTHENTICATED');
    expect(again.body.errors![0]!.extensions!.reason).toBe('CHALLENGE_INVALID');
    // The next login clears the used one away: challenges do not pile up.
    await loginChallenge(app, user.email, user.password);
    const rows = await app.query<{ consumed_at: unknown }>('SELECT consumed_at FROM mfa_challenges WHERE user_id = ?', [
      user.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.consumed_at).toBeNull();
  });

  it('a TOTP code is accepted once: the same code again is refused, even with a new challenge', async () => {
    const user = await enrolTotp(app);
    const code = nextCode(user.secret);
    const first = await app.gql(VERIFY_LOGIN, {
      challenge: await loginChallenge(app, user.email, user.password),
      code,
    });
    expect(first.body.data!.verifyLogin.token).toBeTruthy();
    const replay = await app.gql(VERIFY_LOGIN, {
      challenge: await loginChallenge(app, user.email, user.password),
      code,
    });
    expect(replay.code).toBe('UNAUTHENTICATED');
    expect(replay.body.errors![0]!.message).toBe('Invalid code');
    expect(replay.body.data).toBeNull();
  });

  it('the code used to confirm the setup cannot sign in', async () => {
    const user = await app.signup();
    const setup = await app.gql(SETUP_TOTP, { p: user.password }, { token: user.token });
    const secret = setup.body.data!.setupTotp.secret;
    const code = codeNow(secret);
    await app.gql(CONFIRM_TOTP, { code }, { token: user.token });
    const challenge = await loginChallenge(app, user.email, user.password);
    expect((await app.gql(VERIFY_LOGIN, { challenge, code })).code).toBe('UNAUTHENTICATED');
  });

  it('a recovery code signs in once; typed in any case, with or without dashes', async () => {
    const user = await enrolTotp(app);
    const code = user.recoveryCodes[3]!;
    const typed = ` ${code.toUpperCase().replace(/-/g, ' ')} `;
    const ok = await app.gql(VERIFY_LOGIN, {
      challenge: await loginChallenge(app, user.email, user.password),
      code: typed,
    });
    expect(decodeJwt(ok.body.data!.verifyLogin.token).claims.amr).toEqual(['pwd', 'otp']);
    const token = ok.body.data!.verifyLogin.token;
    expect((await app.gql(TOTP_STATE, {}, { token })).body.data!.me.recoveryCodesRemaining).toBe(9);
    const again = await app.gql(VERIFY_LOGIN, {
      challenge: await loginChallenge(app, user.email, user.password),
      code,
    });
    expect(again.code).toBe('UNAUTHENTICATED');
    // Another account's code is no use either.
    const other = await enrolTotp(app);
    const foreign = await app.gql(VERIFY_LOGIN, {
      challenge: await loginChallenge(app, user.email, user.password),
      code: other.recoveryCodes[0],
    });
    expect(foreign.code).toBe('UNAUTHENTICATED');
  });

  it('one verifyLogin per request, however aliased: codes cannot be tried in bulk', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const codes = ['000001', '000002', nextCode(user.secret)];
    const q = `mutation { ${codes.map((c, i) => `v${i}: verifyLogin(challenge: "${challenge}", code: "${c}") { token }`).join(' ')} }`;
    const res = await app.gql(q);
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.body.data).toBeUndefined();
    // Nothing was tried: the challenge and the code still work.
    expect(
      (await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) })).body.data!.verifyLogin.token,
    ).toBeTruthy();
  });

  it('a wrong code is UNAUTHENTICATED; the challenge locks after MFA_CHALLENGE_MAX_ATTEMPTS', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const wrong = wrongCode(user.secret);
    for (let i = 1; i <= 4; i++) {
      const res = await app.gql(VERIFY_LOGIN, { challenge, code: wrong });
      expect(res.body.errors![0]).toMatchObject({ message: 'Invalid code', extensions: { code: 'UNAUTHENTICATED' } });
    }
    const fifth = await app.gql(VERIFY_LOGIN, { challenge, code: wrong });
    expect(fifth.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'CHALLENGE_INVALID' });
    // Locked: even the right code no longer finishes this sign-in.
    const right = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
    expect(right.body.errors![0]!.extensions!.reason).toBe('CHALLENGE_INVALID');
  });

  it('guessing codes is throttled like guessing passwords: RATE_LIMITED, for login too', async () => {
    // 10 failures per account and address (the default), 5 per challenge: two challenges' worth.
    const user = await enrolTotp(app);
    const wrong = wrongCode(user.secret);
    for (let round = 0; round < 2; round++) {
      const challenge = await loginChallenge(app, user.email, user.password);
      for (let i = 0; i < 5; i++) {
        expect((await app.gql(VERIFY_LOGIN, { challenge, code: wrong })).code).toBe('UNAUTHENTICATED');
      }
    }
    const login = await app.gql(LOGIN, { email: user.email, password: user.password });
    expect(login.code).toBe('RATE_LIMITED');
    expect(login.body.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(login.body.errors![0]!.extensions!.challenge).toBeUndefined();
  });

  it('a challenge left open is throttled too: the right code waits once the account is rate limited', async () => {
    const throttled = await createTestApp({ LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '3' });
    try {
      const user = await enrolTotp(throttled);
      const challenge = await loginChallenge(throttled, user.email, user.password);
      const spare = await loginChallenge(throttled, user.email, user.password);
      for (let i = 0; i < 3; i++) await throttled.gql(VERIFY_LOGIN, { challenge, code: wrongCode(user.secret) });
      const res = await throttled.gql(VERIFY_LOGIN, { challenge: spare, code: nextCode(user.secret) });
      expect(res.code).toBe('RATE_LIMITED');
    } finally {
      await throttled.close();
    }
  });

  it('an expired challenge is refused', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    await app.query('UPDATE mfa_challenges SET expires_at = ? WHERE user_id = ?', [
      new Date(Date.now() - 1000).toISOString(),
      user.id,
    ]);
    const res = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
    expect(res.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'CHALLENGE_INVALID' });
  });

  it('a challenge is stored only as a hash, and an unknown or malformed one is refused', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const rows = await app.query<{ token_hash: string }>('SELECT token_hash FROM mfa_challenges WHERE user_id = ?', [
      user.id,
    ]);
    expect(rows.map((r) => r.token_hash)).not.toContain(challenge);
    for (const bad of ['', 'x', `${challenge.slice(0, -1)}${challenge.endsWith('A') ? 'B' : 'A'}`, 'a'.repeat(5000)]) {
      expect((await app.gql(VERIFY_LOGIN, { challenge: bad, code: nextCode(user.secret) })).code).toBe(
        'UNAUTHENTICATED',
      );
    }
  });

  it('a password change after the password step voids the challenge', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const change = await app.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: user.password, n: 'a brand new passphrase' },
      { token: user.token },
    );
    expect(change.body.data!.changePassword.token).toBeTruthy();
    const res = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
    expect(res.body.errors![0]!.extensions!.reason).toBe('CHALLENGE_INVALID');
  });
});

describe('several instances on one database', () => {
  it('a challenge from one instance is finished on another (same MFA_ENCRYPTION_KEY)', async () => {
    const MFA_ENCRYPTION_KEY = randomBytes(32).toString('base64');
    const a = await createTestApp({ MFA_ENCRYPTION_KEY });
    const b = await createTestApp({ MFA_ENCRYPTION_KEY }, { database: a.databaseUrl });
    try {
      const user = await enrolTotp(a);
      const challenge = await loginChallenge(a, user.email, user.password);
      const code = nextCode(user.secret);
      const res = await b.gql(VERIFY_LOGIN, { challenge, code });
      expect(res.body.data!.verifyLogin.user.id).toBe(user.id);
      // And the code it accepted is spent for the first instance too.
      const replay = await a.gql(VERIFY_LOGIN, { challenge: await loginChallenge(a, user.email, user.password), code });
      expect(replay.code).toBe('UNAUTHENTICATED');
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('claims and refresh', () => {
  it('a password sign-in carries amr ["pwd"] and auth_time', async () => {
    const user = await app.signup();
    const before = Math.floor(Date.now() / 1000);
    const login = await app.gql(LOGIN, { email: user.email, password: user.password });
    const after = Math.floor(Date.now() / 1000);
    const { claims } = decodeJwt(login.body.data!.login.token);
    expect(claims.amr).toEqual(['pwd']);
    // auth_time is when the password was verified, iat when the token was signed after the
    // session was written: the same second, or a later one when the sign-in crossed it.
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);
    expect(claims.iat).toBeLessThanOrEqual(after);
    expect(decodeJwt(user.token).claims.amr).toEqual(['pwd']); // signup too
  });

  it('refresh keeps the original auth_time and amr', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const signedIn = (await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) })).body.data!.verifyLogin;
    const original = decodeJwt(signedIn.token).claims;
    // An hour later, as far as the stored sign-in is concerned.
    const hourAgo = new Date((original.auth_time - 3600) * 1000);
    await app.query('UPDATE refresh_tokens SET auth_time = ? WHERE user_id = ?', [hourAgo.toISOString(), user.id]);
    const refreshed = await app.gql('mutation($r: String) { refresh(refreshToken: $r) { token refreshToken } }', {
      r: signedIn.refreshToken,
    });
    const claims = decodeJwt(refreshed.body.data!.refresh.token).claims;
    expect(claims.auth_time).toBe(original.auth_time - 3600);
    expect(claims.amr).toEqual(['pwd', 'otp']);
    // And so does the next rotation.
    const again = await app.gql('mutation($r: String) { refresh(refreshToken: $r) { token } }', {
      r: refreshed.body.data!.refresh.refreshToken,
    });
    expect(decodeJwt(again.body.data!.refresh.token).claims.auth_time).toBe(original.auth_time - 3600);
  });
});

describe('turning TOTP off', () => {
  it('disableTotp with a current code turns it off: login needs only the password again', async () => {
    const user = await enrolTotp(app);
    const wrong = await app.gql(DISABLE_TOTP, { code: wrongCode(user.secret) }, { token: user.token });
    expect(wrong.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'code' });
    const res = await app.gql(DISABLE_TOTP, { code: nextCode(user.secret) }, { token: user.token });
    expect(res.body.data).toEqual({ disableTotp: true });
    expect((await app.gql(TOTP_STATE, {}, { token: user.token })).body.data!.me).toEqual({
      totpEnabled: false,
      recoveryCodesRemaining: 0,
    });
    const login = await app.gql(LOGIN, { email: user.email, password: user.password });
    expect(decodeJwt(login.body.data!.login.token).claims.amr).toEqual(['pwd']);
    expect(await app.query('SELECT * FROM totp_factors WHERE user_id = ?', [user.id])).toEqual([]);
    // Off already: nothing to turn off.
    expect((await app.gql(DISABLE_TOTP, { code: user.recoveryCodes[0] }, { token: user.token })).code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('disableTotp takes a recovery code too', async () => {
    const user = await enrolTotp(app);
    const res = await app.gql(DISABLE_TOTP, { code: user.recoveryCodes[9] }, { token: user.token });
    expect(res.body.data).toEqual({ disableTotp: true });
  });
});

describe("the operator's way back: npm run user:reset-totp", () => {
  it("turns an account's TOTP off from the command line", async () => {
    const user = await enrolTotp(app);
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: app.databaseUrl, NODE_ENV: 'test', DATA_DIR: app.dir };
    const tsx = path.resolve('node_modules/.bin/tsx');
    const out = await run(tsx, ['src/cli/reset-totp.ts', user.email.toUpperCase()], { env });
    expect(out.stdout).toContain(`${user.email}: two-factor sign-in is off`);
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).body.data!.login.token).toBeTruthy();
    await expect(run(tsx, ['src/cli/reset-totp.ts', 'nobody@example.com'], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No account with email nobody@example.com'),
    });
  });
});

describe('an administrator resetting a lost second factor', () => {
  const RESET = /* GraphQL */ `mutation($id: ID!) { resetUserTotp(id: $id) { id email totpEnabled } }`;

  it("turns the account's TOTP off, so it signs in with the password and can set it up again", async () => {
    const user = await enrolTotp(app);
    const admin = await app.signup();
    await makeAdmin(app, admin.id);
    // A fresh sign-in: resetting someone's second factor is a step-up field.
    const adminToken = (await app.gql(LOGIN, { email: admin.email, password: admin.password })).body.data!.login.token;
    const res = await app.gql(RESET, { id: user.id }, { token: adminToken });
    expect(res.body.data).toEqual({ resetUserTotp: { id: user.id, email: user.email, totpEnabled: false } });
    expect(await app.query('SELECT * FROM recovery_codes WHERE user_id = ?', [user.id])).toEqual([]);
    const login = await app.gql(LOGIN, { email: user.email, password: user.password });
    const token = login.body.data!.login.token;
    expect(token).toBeTruthy();
    expect((await app.gql(SETUP_TOTP, { p: user.password }, { token })).body.data!.setupTotp.secret).toBeTruthy();
  });

  it('is for administrators with a recent sign-in only; an unknown id is NOT_FOUND', async () => {
    const user = await enrolTotp(app);
    const other = await app.signup();
    expect((await app.gql(RESET, { id: user.id }, { token: other.token })).body.errors![0]!.extensions).toEqual({
      code: 'FORBIDDEN',
    });
    const admin = await app.signup();
    await makeAdmin(app, admin.id);
    // An admin session whose sign-in is not recent (here: a token with no auth_time at all).
    const stale = await app.services.tokens.sign((await app.services.users.findById(admin.id))!);
    expect((await app.gql(RESET, { id: user.id }, { token: stale })).body.errors![0]!.extensions!.reason).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    const adminToken = (await app.gql(LOGIN, { email: admin.email, password: admin.password })).body.data!.login.token;
    const missing = await app.gql(RESET, { id: '00000000-0000-7000-8000-000000000000' }, { token: adminToken });
    expect(missing.code).toBe('NOT_FOUND');
    // Nothing changed for the user.
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).code).toBe('MFA_REQUIRED');
  });
});

/** A well-formed code that is none of those the server could accept now (with a step of margin). */
function wrongCode(secret: string): string {
  const accepted = new Set([-60_000, -30_000, 0, 30_000, 60_000].map((d) => totpCode(secret, Date.now() + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!accepted.has(code)) return code;
  }
}
