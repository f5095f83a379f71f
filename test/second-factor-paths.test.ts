import { getNamedType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../src/schema.js';
import { createTestApp, decodeJwt, type TestApp } from './helpers/app.js';
import { type EnrolledUser, enrolTotp, loginChallenge, nextCode, VERIFY_LOGIN } from './helpers/totp.js';
import { authenticatorFor, FINISH_LOGIN, loginOptions, registerPasskey } from './helpers/webauthn.js';

/**
 * Every path that signs someone in must respect the second factor. This walks every Mutation field
 * that returns AuthPayload, read from the schema itself, so a sign-in added later fails here
 * until someone says how it treats an account with TOTP on.
 */

type Attempt = (app: TestApp, user: EnrolledUser) => Promise<{ body: { data?: any; errors?: any[] } }>;

/** For each sign-in path: an attempt for a TOTP account without its code, which must issue no token. */
const WITHOUT_CODE: Record<string, Attempt> = {
  login: (app, u) =>
    app.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: u.email,
      p: u.password,
    }),
  verifyLogin: async (app, u) =>
    app.gql(VERIFY_LOGIN, { challenge: await loginChallenge(app, u.email, u.password), code: '' }),
  // The reset link itself, from the stored token: a fresh one, put there as requestPasswordReset would.
  resetPassword: async (app, u) =>
    app.gql('mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { token } }', {
      t: await resetTokenFor(app, u.email),
      p: 'a new passphrase here',
    }),
  reauthenticate: (app, u) =>
    app.gql('mutation($p: String!) { reauthenticate(password: $p) { token } }', { p: u.password }, { token: u.token }),
};

/**
 * Paths that issue a token without asking for a code, and why that is right. Each must still be
 * shown not to turn a password alone into a two-factor sign-in.
 */
const CONTINUES_A_SIGN_IN: Record<string, string> = {
  signup: 'creates a fresh account: it has no second factor yet',
  refresh: 'continues a session that already proved every factor; keeps its auth_time and amr',
  changePassword: 'needs an access token (so a finished sign-in) and keeps its auth_time and amr',
};

/**
 * Paths that are a sign-in with factors of their own, and why no TOTP code follows. Each must show
 * the token says what was proven (amr), never "pwd" or "otp".
 */
const OWN_FACTORS: Record<string, string> = {
  finishPasskeyLogin:
    'a passkey is a device-bound key (possession, amr "hwk") and, when the device checked a PIN or biometrics, the user (amr "user"): phishing-resistant multi-factor on its own',
};

/** A password-reset token for the account, issued the way requestPasswordReset issues one. */
async function resetTokenFor(app: TestApp, email: string): Promise<string> {
  const user = (await app.services.users.findByEmail(email))!;
  const issued = await app.services.accountTokens.issue({
    userId: user.id,
    purpose: 'PASSWORD_RESET',
    email: user.email,
    ttlSeconds: 600,
  });
  return issued.token;
}

const authPayloadMutations = () => {
  const mutation = buildSchema().getMutationType()!;
  return Object.values(mutation.getFields())
    .filter((f) => {
      const t = getNamedType(f.type);
      return isObjectType(t) && t.name === 'AuthPayload';
    })
    .map((f) => f.name)
    .sort();
};

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

describe('every Mutation that returns AuthPayload', () => {
  it('is accounted for: it either needs the code or continues a sign-in that had it', () => {
    const known = [
      ...Object.keys(WITHOUT_CODE),
      ...Object.keys(CONTINUES_A_SIGN_IN),
      ...Object.keys(OWN_FACTORS),
    ].sort();
    expect(authPayloadMutations()).toEqual(known);
  });

  it.each(Object.keys(WITHOUT_CODE))('%s issues no token for a TOTP account without the code', async (name) => {
    const user = await enrolTotp(app);
    const res = await WITHOUT_CODE[name]!(app, user);
    expect(res.body.data?.[name] ?? null).toBeNull();
    expect(JSON.stringify(res.body)).not.toMatch(/"token":"/);
    expect(['MFA_REQUIRED', 'UNAUTHENTICATED']).toContain(res.body.errors?.[0]?.extensions?.code);
  });

  it('finishPasskeyLogin signs a TOTP account in with the passkey alone, and its token says so (hwk, user)', async () => {
    const user = await enrolTotp(app);
    const auth = authenticatorFor(app);
    await registerPasskey(app, user.token, auth);
    const options = await loginOptions(app, user.email);
    const res = await app.gql(FINISH_LOGIN, { response: auth.get(options) });
    expect(decodeJwt(res.body.data!.finishPasskeyLogin.token).claims.amr).toEqual(['hwk', 'user']);
  });

  it('refresh and changePassword keep the amr of the sign-in they continue', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const signedIn = (await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) })).body.data!.verifyLogin;
    const refreshed = await app.gql('mutation($r: String) { refresh(refreshToken: $r) { token } }', {
      r: signedIn.refreshToken,
    });
    expect(decodeJwt(refreshed.body.data!.refresh.token).claims.amr).toEqual(['pwd', 'otp']);
    // Changing the password continues the sign-in: same auth_time, same amr; not a new proof.
    const changed = await app.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: user.password, n: 'another long passphrase' },
      { token: signedIn.token },
    );
    const claims = decodeJwt(changed.body.data!.changePassword.token).claims;
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(claims.auth_time).toBe(decodeJwt(signedIn.token).claims.auth_time);
  });
});
