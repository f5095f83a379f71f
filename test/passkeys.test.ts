import { createHash } from 'node:crypto';
import { decodeCBOR } from '@levischuck/tiny-cbor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, ME, type TestApp } from './helpers/app.js';
import { startSmtp, tokenIn } from './helpers/smtp.js';
import { enrolTotp } from './helpers/totp.js';
import {
  authenticatorFor,
  FINISH_LOGIN,
  FINISH_REGISTRATION,
  loginOptions,
  newKeyPair,
  PASSKEYS,
  REMOVE_PASSKEY,
  registerPasskey,
  START_REGISTRATION,
  SoftAuthenticator,
} from './helpers/webauthn.js';

/**
 * Passkeys (issue 19) end to end through yoga.fetch, with real ceremonies from a software
 * authenticator (test/helpers/webauthn.ts): every response is CBOR and signatures as a device
 * makes them, and the server checks them with @simplewebauthn/server.
 */

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

const REFRESH = /* GraphQL */ `mutation R($t: String) { refresh(refreshToken: $t) { token refreshToken } }`;

async function signIn(a: TestApp, options: unknown, response: unknown) {
  void options;
  return a.gql(FINISH_LOGIN, { response });
}

describe('registering a passkey', () => {
  it('answers creation options: fresh challenge, opaque user handle, ES256/EdDSA/RS256, resident key preferred, attestation none', async () => {
    const user = await app.signup();
    const a = await app.gql(START_REGISTRATION, {}, { token: user.token });
    const b = await app.gql(START_REGISTRATION, {}, { token: user.token });
    const options = a.body.data.startPasskeyRegistration;
    expect(options.rp).toEqual({ name: 'GraphQL Auth API', id: 'localhost' });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.body.data.startPasskeyRegistration.challenge).not.toBe(options.challenge);
    expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-7, -8, -257]);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    expect(options.user.name).toBe(user.email);
    // The user handle: 32 random bytes, the same for the account every time, never its id or e-mail.
    expect(options.user.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.body.data.startPasskeyRegistration.user.id).toBe(options.user.id);
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).not.toContain(user.id);
    expect(options.user.id).not.toContain(Buffer.from(user.email).toString('base64url').slice(0, 10));
    // Only the challenge's hash is stored.
    const rows = await app.query('SELECT challenge_hash FROM webauthn_challenges');
    expect(rows.map((r) => r.challenge_hash)).not.toContain(options.challenge);
  });

  it('stores the credential (ES256 and Ed25519) and lists it under passkeys; excludeCredentials then names it', async () => {
    const user = await app.signup();
    const es = authenticatorFor(app, { alg: 'ES256' });
    const ed = authenticatorFor(app, { alg: 'Ed25519', synced: true, counterStep: 0 });
    const p1 = await registerPasskey(app, user.token, es, 'YubiKey');
    const p2 = await registerPasskey(app, user.token, ed, '  Phone  ');
    expect(p1).toMatchObject({ name: 'YubiKey', synced: false, backedUp: false, lastUsedAt: null });
    expect(p2).toMatchObject({ name: 'Phone', synced: true, backedUp: true, transports: ['internal', 'hybrid'] });
    const list = await app.gql(PASSKEYS, {}, { token: user.token });
    expect(list.body.data.passkeys.map((p: { id: string }) => p.id)).toEqual([p1.id, p2.id]);
    const [row] = await app.query('SELECT credential_id, counter, aaguid, public_key FROM passkeys WHERE id = ?', [
      p1.id,
    ]);
    expect(row.credential_id).toBe(es.credentials[0]!.id);
    expect(Number(row.counter)).toBe(1);
    expect(row.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(row.public_key).toBe(es.credentials[0]!.cose.toString('base64url'));
    const again = await app.gql(START_REGISTRATION, {}, { token: user.token });
    expect(again.body.data.startPasskeyRegistration.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([
      es.credentials[0]!.id,
      ed.credentials[0]!.id,
    ]);
  });

  it('refuses a wrong origin, a wrong RP id, no user presence, another challenge, and a used challenge', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    const attempt = async (over: Parameters<SoftAuthenticator['create']>[1], options?: unknown) => {
      const opts =
        options ?? (await app.gql(START_REGISTRATION, {}, { token: user.token })).body.data.startPasskeyRegistration;
      return app.gql(FINISH_REGISTRATION, { response: auth.create(opts, over) }, { token: user.token });
    };
    for (const over of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { up: false },
      { challenge: Buffer.alloc(32, 7).toString('base64url') },
    ]) {
      const res = await attempt(over);
      expect(res.code, JSON.stringify(over)).toBe('UNAUTHENTICATED');
      expect(res.body.errors[0].extensions.reason).toBe('PASSKEY_REJECTED');
    }
    // A challenge is good once: the first finish uses it up.
    const options = (await app.gql(START_REGISTRATION, {}, { token: user.token })).body.data.startPasskeyRegistration;
    expect((await attempt({}, options)).body.data?.finishPasskeyRegistration.id).toBeTruthy();
    expect((await attempt({}, options)).code).toBe('UNAUTHENTICATED');
    // Another user cannot finish with this user's challenge.
    const other = await app.signup();
    const theirs = (await app.gql(START_REGISTRATION, {}, { token: other.token })).body.data.startPasskeyRegistration;
    const stolen = await app.gql(FINISH_REGISTRATION, { response: auth.create(theirs) }, { token: user.token });
    expect(stolen.code).toBe('UNAUTHENTICATED');
    expect((await app.gql(PASSKEYS, {}, { token: user.token })).body.data.passkeys).toHaveLength(1);
  });

  it('refuses a credential id that is registered already, to this account or another (PASSKEY_ALREADY_REGISTERED)', async () => {
    const user = await app.signup();
    const other = await app.signup();
    const auth = authenticatorFor(app);
    await registerPasskey(app, user.token, auth);
    const credentialId = Buffer.from(auth.credentials[0]!.id, 'base64url');
    for (const who of [user, other]) {
      const options = (await app.gql(START_REGISTRATION, {}, { token: who.token })).body.data.startPasskeyRegistration;
      const res = await app.gql(
        FINISH_REGISTRATION,
        { response: authenticatorFor(app).create(options, { credentialId }) },
        { token: who.token },
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors[0].extensions.reason).toBe('PASSKEY_ALREADY_REGISTERED');
    }
    expect(await app.query('SELECT id FROM passkeys WHERE credential_id = ?', [auth.credentials[0]!.id])).toHaveLength(
      1,
    );
  });

  it('answers BAD_USER_INPUT for a response that is not WebAuthn JSON, and for a name too long', async () => {
    const user = await app.signup();
    for (const response of [{}, 'hello', { id: 'x', rawId: 'x', type: 'public-key', response: {} }]) {
      const res = await app.gql(FINISH_REGISTRATION, { response }, { token: user.token });
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors[0].extensions.field).toBe('response');
    }
    const options = (await app.gql(START_REGISTRATION, {}, { token: user.token })).body.data.startPasskeyRegistration;
    const res = await app.gql(
      FINISH_REGISTRATION,
      { response: authenticatorFor(app).create(options), name: 'x'.repeat(101) },
      { token: user.token },
    );
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].extensions.field).toBe('name');
  });

  it('needs a recent sign-in (step-up) to start, as removal does', async () => {
    const user = await app.signup();
    const stale = await app.services.tokens.sign((await app.services.users.findById(user.id))!, {
      authTime: Math.floor(Date.now() / 1000) - 3600,
      amr: ['pwd'],
    });
    for (const [q, v] of [
      [START_REGISTRATION, {}],
      [REMOVE_PASSKEY, { id: '0190aaaa-0000-7000-8000-000000000000' }],
    ] as const) {
      const res = await app.gql(q, v, { token: stale });
      expect(res.code).toBe('FORBIDDEN');
      expect(res.body.errors[0].extensions.reason).toBe('REAUTHENTICATION_REQUIRED');
    }
    expect((await app.gql(START_REGISTRATION, {})).code).toBe('UNAUTHENTICATED');
  });
});

describe('signing in with a passkey', () => {
  it('by e-mail: allowCredentials lists the account, and the session is a normal one (amr hwk+user, auth_time, sid, refresh)', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    const passkey = await registerPasskey(app, user.token, auth);
    const options = await loginOptions(app, user.email.toUpperCase());
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('preferred');
    expect(options.allowCredentials).toEqual([
      { id: auth.credentials[0]!.id, type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
    const before = Math.floor(Date.now() / 1000);
    const res = await signIn(app, options, auth.get(options));
    expect(res.body.errors).toBeUndefined();
    const { token, refreshToken, user: who } = res.body.data.finishPasskeyLogin;
    expect(who.id).toBe(user.id);
    const { claims } = decodeJwt(token);
    expect(claims.amr).toEqual(['hwk', 'user']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await app.gql(ME, {}, { token })).body.data.me.id).toBe(user.id);
    // Fresh for step-up fields.
    expect((await app.gql(START_REGISTRATION, {}, { token })).body.data.startPasskeyRegistration).toBeTruthy();
    // A refresh carries the same amr and auth_time on.
    const refreshed = await app.gql(REFRESH, { t: refreshToken });
    expect(decodeJwt(refreshed.body.data.refresh.token).claims).toMatchObject({
      amr: ['hwk', 'user'],
      auth_time: claims.auth_time,
      sid: claims.sid,
    });
    // lastUsedAt and the counter moved on.
    const [listed] = (await app.gql(PASSKEYS, {}, { token })).body.data.passkeys;
    expect(listed.id).toBe(passkey.id);
    expect(listed.lastUsedAt).not.toBeNull();
    const [row] = await app.query('SELECT counter FROM passkeys WHERE id = ?', [passkey.id]);
    expect(Number(row.counter)).toBe(2);
  });

  it('with an RS256 key (RSA 2048, as Windows Hello makes them): registers, signs in, and a signature by another RSA key is refused', async () => {
    const user = await app.signup();
    const hello = authenticatorFor(app, { alg: 'RS256' });
    const passkey = await registerPasskey(app, user.token, hello, 'Windows Hello');
    // The COSE key stored as the authenticator made it: kty RSA (3), alg RS256 (-257), n and e.
    const [row] = await app.query('SELECT public_key FROM passkeys WHERE id = ?', [passkey.id]);
    expect(row.public_key).toBe(hello.credentials[0]!.cose.toString('base64url'));
    const cose = decodeCBOR(new Uint8Array(Buffer.from(row.public_key, 'base64url'))) as Map<number, unknown>;
    expect([cose.get(1), cose.get(3), (cose.get(-1) as Uint8Array).length, [...(cose.get(-2) as Uint8Array)]]).toEqual([
      3,
      -257,
      256,
      [1, 0, 1],
    ]);

    const options = await loginOptions(app, user.email);
    const res = await signIn(app, options, hello.get(options));
    expect(res.body.errors).toBeUndefined();
    const { token, user: who } = res.body.data.finishPasskeyLogin;
    expect(who.id).toBe(user.id);
    expect(decodeJwt(token).claims.amr).toEqual(['hwk', 'user']);
    expect((await app.gql(ME, {}, { token })).body.data.me.id).toBe(user.id);

    // Well-formed RSASSA-PKCS1-v1_5, but not by the registered key: the server checks the signature.
    const next = await loginOptions(app, user.email);
    const forged = await signIn(app, next, hello.get(next, { signWith: newKeyPair('RS256').privateKey }));
    expect(forged.code).toBe('UNAUTHENTICATED');
    expect(forged.body.errors[0].extensions.reason).toBe('PASSKEY_REJECTED');
  });

  it('without e-mail (discoverable): empty allowCredentials, the userHandle names the account; amr is ["hwk"] without UV', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app, { uv: false, counterStep: 0, synced: true });
    await registerPasskey(app, user.token, auth);
    const options = await loginOptions(app);
    expect(options.allowCredentials).toEqual([]);
    const res = await signIn(app, options, auth.get(options));
    expect(res.body.data.finishPasskeyLogin.user.id).toBe(user.id);
    expect(decodeJwt(res.body.data.finishPasskeyLogin.token).claims.amr).toEqual(['hwk']);
    // A userHandle that names someone else is refused (counter 0 stays 0, a synced passkey).
    const other = await app.signup();
    await registerPasskey(app, other.token, authenticatorFor(app));
    const [otherHandle] = await app.query('SELECT handle FROM webauthn_users WHERE user_id = ?', [other.id]);
    const forged = await signIn(app, null, auth.get(await loginOptions(app), { userHandle: otherHandle.handle }));
    expect(forged.code).toBe('UNAUTHENTICATED');
  });

  it('an account with TOTP on signs in with a passkey alone: no code asked', async () => {
    const enrolled = await enrolTotp(app);
    const token = (await app.services.tokens.sign((await app.services.users.findById(enrolled.id))!, {
      authTime: Math.floor(Date.now() / 1000),
      amr: ['pwd', 'otp'],
    })) as string;
    const auth = authenticatorFor(app);
    await registerPasskey(app, token, auth);
    const options = await loginOptions(app, enrolled.email);
    const res = await signIn(app, options, auth.get(options));
    expect(res.body.errors).toBeUndefined();
    expect(decodeJwt(res.body.data.finishPasskeyLogin.token).claims.amr).toEqual(['hwk', 'user']);
  });

  it('refuses a wrong origin, a wrong RP id, no user presence, and changes nothing', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    const passkey = await registerPasskey(app, user.token, auth);
    for (const over of [{ origin: 'https://login.evil.example' }, { rpId: 'evil.example' }, { up: false }]) {
      const options = await loginOptions(app, user.email);
      const res = await signIn(app, options, auth.get(options, { ...over, counter: 5 }));
      expect(res.code, JSON.stringify(over)).toBe('UNAUTHENTICATED');
      expect(res.body.errors[0].extensions.reason).toBe('PASSKEY_REJECTED');
    }
    const [row] = await app.query('SELECT counter, last_used_at FROM passkeys WHERE id = ?', [passkey.id]);
    expect([Number(row.counter), row.last_used_at]).toEqual([1, null]);
  });

  it('refuses a replayed assertion and a used challenge', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    await registerPasskey(app, user.token, auth);
    const options = await loginOptions(app, user.email);
    const assertion = auth.get(options);
    expect((await signIn(app, options, assertion)).body.data.finishPasskeyLogin.token).toBeTruthy();
    // The same response again: its challenge is used up.
    expect((await signIn(app, options, assertion)).code).toBe('UNAUTHENTICATED');
    // A new, correctly signed assertion (higher counter) over the used challenge: refused too.
    expect((await signIn(app, options, auth.get(options))).code).toBe('UNAUTHENTICATED');
    // A challenge the server never issued.
    const made = auth.get(options, { challenge: Buffer.alloc(32, 1).toString('base64url') });
    expect((await signIn(app, options, made)).code).toBe('UNAUTHENTICATED');
    // A registration challenge does not serve a sign-in.
    const reg = (await app.gql(START_REGISTRATION, {}, { token: user.token })).body.data.startPasskeyRegistration;
    expect((await signIn(app, options, auth.get(options, { challenge: reg.challenge }))).code).toBe('UNAUTHENTICATED');
  });

  it('refuses an expired challenge (5 minutes), and housekeeping deletes expired ones', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    await registerPasskey(app, user.token, auth);
    const options = await loginOptions(app, user.email);
    const past = new Date(Date.now() - 1000);
    await app.query('UPDATE webauthn_challenges SET expires_at = ? WHERE consumed_at IS NULL', [
      app.dbKind === 'postgres' ? past : past.toISOString().replace('T', ' ').replace('Z', ''),
    ]);
    expect((await signIn(app, options, auth.get(options))).code).toBe('UNAUTHENTICATED');
    expect(await app.services.passkeyStore.deleteExpiredChallenges()).toBeGreaterThanOrEqual(1);
    const hash = createHash('sha256').update(options.challenge).digest('hex');
    expect(await app.query('SELECT id FROM webauthn_challenges WHERE challenge_hash = ?', [hash])).toEqual([]);
  });

  it('refuses a counter that went backwards (a cloned authenticator) or stood still', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    const passkey = await registerPasskey(app, user.token, auth);
    let options = await loginOptions(app, user.email);
    expect((await signIn(app, options, auth.get(options, { counter: 10 }))).body.data.finishPasskeyLogin).toBeTruthy();
    for (const counter of [9, 10, 0]) {
      options = await loginOptions(app, user.email);
      expect((await signIn(app, options, auth.get(options, { counter }))).code, String(counter)).toBe(
        'UNAUTHENTICATED',
      );
    }
    const [row] = await app.query('SELECT counter FROM passkeys WHERE id = ?', [passkey.id]);
    expect(Number(row.counter)).toBe(10);
    options = await loginOptions(app, user.email);
    expect((await signIn(app, options, auth.get(options, { counter: 11 }))).body.data.finishPasskeyLogin).toBeTruthy();
  });

  it('refuses an assertion signed with another key for a known credential id', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    await registerPasskey(app, user.token, auth);
    const options = await loginOptions(app, user.email);
    const res = await signIn(app, options, auth.get(options, { signWith: newKeyPair('ES256').privateKey }));
    expect(res.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown credential, and answers BAD_USER_INPUT for a response that is not WebAuthn JSON', async () => {
    const stranger = new SoftAuthenticator({ origin: app.services.passkeys.origins()[0]! });
    const reg = { rp: { id: 'localhost' }, challenge: 'x', user: { id: 'AAAA' } };
    stranger.create(reg);
    const options = await loginOptions(app);
    expect((await signIn(app, options, stranger.get(options))).code).toBe('UNAUTHENTICATED');
    for (const response of [
      {},
      [],
      'x',
      { id: 'a', rawId: 'a', type: 'public-key', response: { clientDataJSON: 'bm9wZQ' } },
    ]) {
      const res = await app.gql(FINISH_LOGIN, { response });
      expect(res.code).toBe('BAD_USER_INPUT');
    }
  });

  it('answers an unknown e-mail with the same shape: stable stand-in credential ids, like an account without passkeys', async () => {
    const user = await app.signup();
    await registerPasskey(app, user.token, authenticatorFor(app));
    const known = await loginOptions(app, user.email);
    const unknownEmail = `nobody-${Date.now()}@example.com`;
    const a = await loginOptions(app, unknownEmail);
    const b = await loginOptions(app, unknownEmail);
    const shape = (o: Record<string, unknown>) =>
      JSON.stringify(Object.keys(o).sort()) +
      JSON.stringify([
        ...new Set(
          (o.allowCredentials as Array<Record<string, unknown>>).map((c) => JSON.stringify(Object.keys(c).sort())),
        ),
      ]);
    expect(shape(a)).toBe(shape(known));
    expect(a.allowCredentials.length).toBeGreaterThanOrEqual(1);
    expect(a.allowCredentials[0].id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.allowCredentials).toEqual(a.allowCredentials);
    expect(b.challenge).not.toBe(a.challenge);
    // An existing account without passkeys looks the same as no account.
    const bare = await app.signup();
    const c = await loginOptions(app, bare.email);
    expect(shape(c)).toBe(shape(a));
    expect(c.allowCredentials).not.toEqual(a.allowCredentials);
  });

  it('takes about as long for an unknown e-mail as for a known one', async () => {
    const user = await app.signup();
    await registerPasskey(app, user.token, authenticatorFor(app));
    const once = async (email: string) => {
      const t0 = performance.now();
      await loginOptions(app, email);
      return performance.now() - t0;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const unknownEmail = `nobody-${Date.now()}@example.com`;
    await once(user.email); // warm up
    // Interleaved, and medians: a burst of load on a shared machine hits both sides alike.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 30; i++) {
      known.push(await once(user.email));
      unknown.push(await once(unknownEmail));
    }
    // Same queries either way; allow for noise.
    expect(median(unknown)).toBeLessThan(median(known) * 3 + 5);
    expect(median(known)).toBeLessThan(median(unknown) * 3 + 5);
  });
});

describe('ceremonies across instances', () => {
  it('a ceremony started on one instance finishes on another; two racing finishes have one winner', async () => {
    const second = await createTestApp({}, { database: app.databaseUrl, migrate: false });
    try {
      const user = await app.signup();
      const auth = authenticatorFor(app);
      const regOptions = (await app.gql(START_REGISTRATION, {}, { token: user.token })).body.data
        .startPasskeyRegistration;
      // The second instance has a JWT secret of its own (a test app's): the caller's token there is one it issued.
      const token = await second.services.tokens.sign((await second.services.users.findById(user.id))!, {
        authTime: Math.floor(Date.now() / 1000),
        amr: ['pwd'],
      });
      const reg = await second.gql(FINISH_REGISTRATION, { response: auth.create(regOptions) }, { token });
      expect(reg.body.errors).toBeUndefined();
      const options = await loginOptions(second, user.email);
      const assertion = auth.get(options);
      const [a, b] = await Promise.all([
        app.gql(FINISH_LOGIN, { response: assertion }),
        second.gql(FINISH_LOGIN, { response: assertion }),
      ]);
      const outcomes = [a, b].map((r) => (r.body.data?.finishPasskeyLogin?.token ? 'token' : r.code)).sort();
      expect(outcomes).toEqual(['UNAUTHENTICATED', 'token']);
    } finally {
      await second.close();
    }
  });

  it('default origins: APP_URL and http://localhost:<the port the server listens on>', async () => {
    const other = await createTestApp({ APP_URL: 'https://app.example.com/base', PORT: '4100' });
    try {
      expect(other.services.passkeys.origins()).toEqual(['https://app.example.com', 'http://localhost:4100']);
      other.services.passkeys.setServerOrigin('http://127.0.0.1:51234');
      expect(other.services.passkeys.origins()).toEqual(['https://app.example.com', 'http://localhost:51234']);
    } finally {
      await other.close();
    }
  });
});

describe('failed passkey sign-ins', () => {
  it('count toward login throttling (RATE_LIMITED follows) and record LOGIN_FAILED on the account', async () => {
    const throttled = await createTestApp({ LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '3' });
    try {
      const user = await throttled.signup();
      const auth = authenticatorFor(throttled);
      await registerPasskey(throttled, user.token, auth);
      for (let i = 0; i < 3; i++) {
        const options = await loginOptions(throttled, user.email);
        const res = await throttled.gql(FINISH_LOGIN, {
          response: auth.get(options, { origin: 'https://evil.example' }),
        });
        expect(res.code).toBe('UNAUTHENTICATED');
      }
      const options = await loginOptions(throttled, user.email);
      const res = await throttled.gql(FINISH_LOGIN, { response: auth.get(options) });
      expect(res.code).toBe('RATE_LIMITED');
      // Password login for the account is throttled as well: one counter.
      expect((await throttled.login(user.email, user.password)).code).toBe('RATE_LIMITED');
      await throttled.services.securityLog.settled();
      const types = (
        await throttled.query('SELECT type FROM security_events WHERE user_id = ? ORDER BY id', [user.id])
      ).map((r) => r.type);
      expect(types.filter((t) => t === 'LOGIN_FAILED')).toHaveLength(3);
      expect(types).toContain('LOGIN_THROTTLED');
    } finally {
      await throttled.close();
    }
  });
});

describe('managing passkeys', () => {
  it("removePasskey removes the caller's own (it can no longer sign in); NOT_FOUND for an unknown id or another user's", async () => {
    const user = await app.signup();
    const other = await app.signup();
    const auth = authenticatorFor(app);
    const mine = await registerPasskey(app, user.token, auth);
    const theirs = await registerPasskey(app, other.token, authenticatorFor(app));
    for (const id of [theirs.id, 'no-such-id', '0190aaaa-0000-7000-8000-000000000000']) {
      const res = await app.gql(REMOVE_PASSKEY, { id }, { token: user.token });
      expect(res.code, id).toBe('NOT_FOUND');
    }
    expect((await app.gql(PASSKEYS, {}, { token: other.token })).body.data.passkeys).toHaveLength(1);
    expect(
      (await app.gql(PASSKEYS, {}, { token: user.token })).body.data.passkeys.map((p: { id: string }) => p.id),
    ).toEqual([mine.id]);
    expect((await app.gql(REMOVE_PASSKEY, { id: mine.id }, { token: user.token })).body.data.removePasskey).toBe(true);
    expect((await app.gql(PASSKEYS, {}, { token: user.token })).body.data.passkeys).toEqual([]);
    const options = await loginOptions(app);
    expect((await signIn(app, options, auth.get(options))).code).toBe('UNAUTHENTICATED');
    // The password still signs in.
    expect((await app.login(user.email, user.password)).body.data.login.token).toBeTruthy();
  });

  it('records PASSKEY_ADDED, LOGIN_SUCCEEDED (method passkey) and PASSKEY_REMOVED; exportMyData lists passkey metadata only', async () => {
    const user = await app.signup();
    const auth = authenticatorFor(app);
    const passkey = await registerPasskey(app, user.token, auth, 'Laptop');
    const options = await loginOptions(app, user.email);
    const signedIn = (await signIn(app, options, auth.get(options))).body.data.finishPasskeyLogin;
    const exported = await app.gql(`{ exportMyData }`, {}, { token: signedIn.token });
    const data = exported.body.data.exportMyData;
    expect(data.passkeys).toEqual([
      expect.objectContaining({ id: passkey.id, name: 'Laptop', synced: false, transports: ['internal', 'hybrid'] }),
    ]);
    expect(JSON.stringify(data)).not.toContain(auth.credentials[0]!.cose.toString('base64url'));
    await app.gql(REMOVE_PASSKEY, { id: passkey.id }, { token: signedIn.token });
    await app.services.securityLog.settled();
    const events = await app.query('SELECT type, details FROM security_events WHERE user_id = ? ORDER BY id', [
      user.id,
    ]);
    const added = events.find((e) => e.type === 'PASSKEY_ADDED');
    expect(JSON.parse(added.details)).toMatchObject({ passkeyId: passkey.id, name: 'Laptop', synced: false });
    const login = events.filter((e) => e.type === 'LOGIN_SUCCEEDED').at(-1);
    expect(JSON.parse(login.details)).toMatchObject({ method: 'passkey', passkeyId: passkey.id });
    expect(JSON.parse(events.find((e) => e.type === 'PASSKEY_REMOVED').details)).toMatchObject({
      passkeyId: passkey.id,
    });
  });

  it("renamePasskey renames the caller's own; NOT_FOUND for another user's; a blank name clears it", async () => {
    const user = await app.signup();
    const other = await app.signup();
    const mine = await registerPasskey(app, user.token, authenticatorFor(app), 'Old');
    const theirs = await registerPasskey(app, other.token, authenticatorFor(app), 'Theirs');
    const RENAME = 'mutation($id: ID!, $name: String) { renamePasskey(id: $id, name: $name) { id name } }';
    expect(
      (await app.gql(RENAME, { id: mine.id, name: ' New ' }, { token: user.token })).body.data.renamePasskey,
    ).toEqual({
      id: mine.id,
      name: 'New',
    });
    expect((await app.gql(RENAME, { id: theirs.id, name: 'Mine now' }, { token: user.token })).code).toBe('NOT_FOUND');
    expect((await app.gql(PASSKEYS, {}, { token: other.token })).body.data.passkeys[0].name).toBe('Theirs');
    expect((await app.gql(RENAME, { id: mine.id, name: 'x'.repeat(101) }, { token: user.token })).code).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      (await app.gql(RENAME, { id: mine.id, name: '  ' }, { token: user.token })).body.data.renamePasskey.name,
    ).toBeNull();
  });

  it('holds passkey names to the display-name rules: nothing that breaks a line, reorders or hides text', async () => {
    const user = await app.signup();
    const key = await registerPasskey(app, user.token, authenticatorFor(app), 'Laptop');
    const RENAME = 'mutation($id: ID!, $name: String) { renamePasskey(id: $id, name: $name) { id name } }';
    for (const [name, message] of [
      // A line of its own in the owner's "a passkey was added" mail, saying all is well.
      ['Laptop\n\nThis was you: no action is needed.', /control characters/],
      ['Phone\u202Eenohp', /bidirectional/],
      ['Key\u{e0069}\u{e0067}\u{e006e}', /tag characters/],
      ['Key\ud800', /valid Unicode/],
      ['\u200b\u2800', /visible character/],
    ] as const) {
      const res = await app.gql(RENAME, { id: key.id, name }, { token: user.token });
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'name' } });
      expect(res.body.errors[0].message).toMatch(message);
    }
    const options = (await app.gql(START_REGISTRATION, {}, { token: user.token })).body.data.startPasskeyRegistration;
    const response = authenticatorFor(app).create(options);
    const res = await app.gql(FINISH_REGISTRATION, { response, name: 'Work\r\nBcc: x' }, { token: user.token });
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'name' } });
    // The name is checked before the ceremony is used up: the same response goes through with a good one.
    const again = await app.gql(FINISH_REGISTRATION, { response, name: 'Work' }, { token: user.token });
    expect(again.body.errors).toBeUndefined();
    // Still its old name; and a real one (with the flag of Wales) is taken as given.
    const wales = 'Rhys \u{1f3f4}\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}\u{e007f} phone';
    expect(
      (await app.gql(RENAME, { id: key.id, name: wales }, { token: user.token })).body.data.renamePasskey.name,
    ).toBe(wales);
  });

  it('mails the owner a notice when a passkey is added and when one is removed (real SMTP)', async () => {
    const smtp = await startSmtp();
    const mailing = await createTestApp({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Acme <no-reply@acme.test>',
      PRODUCT_NAME: 'Acme',
    });
    try {
      const user = await mailing.signup();
      const passkey = await registerPasskey(mailing, user.token, authenticatorFor(mailing), 'Work laptop');
      const added = await smtp.waitFor((m) => m.to.includes(user.email) && /passkey was added/.test(m.subject));
      expect(added.subject).toBe('A passkey was added to your Acme account');
      expect(added.text).toContain('"Work laptop"');
      await mailing.gql(REMOVE_PASSKEY, { id: passkey.id }, { token: user.token });
      const removed = await smtp.waitFor((m) => m.to.includes(user.email) && /passkey was removed/.test(m.subject));
      expect(removed.text).toContain('can no longer sign in');
    } finally {
      await mailing.close();
      await smtp.close();
    }
  });

  it("removes, at the first proof of the address (a reset), the passkeys added before it: a pre-hijacker's key does not outlive the owner's reset", async () => {
    const smtp = await startSmtp();
    const mailing = await createTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Acme <no-reply@acme.test>' });
    const RESET_OP = /* GraphQL */ `
      mutation($token: String!, $pw: String!) { resetPassword(token: $token, newPassword: $pw) { token } }
    `;
    const resetBy = async (email: string) => {
      const before = smtp.mails.length;
      await mailing.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
      await mailing.services.background.idle();
      const mail = await smtp.waitFor(
        (m) => smtp.mails.indexOf(m) >= before && m.to.includes(email) && m.subject.includes('Reset'),
      );
      const res = await mailing.gql(RESET_OP, { token: tokenIn(mail, '/reset-password'), pw: 'the owner now 42!' });
      expect(res.body.errors).toBeUndefined();
      return res.body.data.resetPassword.token as string;
    };
    try {
      // Someone signs up first with an address that is not theirs, and adds their own passkey.
      const squatter = await mailing.signup();
      const theirs = authenticatorFor(mailing);
      await registerPasskey(mailing, squatter.token, theirs, 'not the owner');
      // The address's owner cannot sign up ("already exists"), so they reset the password.
      const owner = await resetBy(squatter.email);
      expect((await mailing.gql(PASSKEYS, {}, { token: owner })).body.data.passkeys).toEqual([]);
      const events = await mailing.gql('{ securityEvents { nodes { type } } }', {}, { token: owner });
      expect(events.body.data.securityEvents.nodes.map((e: { type: string }) => e.type)).toContain('PASSKEY_REMOVED');
      await smtp.waitFor((m) => m.to.includes(squatter.email) && /passkey was removed/.test(m.subject));
      // The squatter's key signs nobody in any more.
      const res = await mailing.gql(FINISH_LOGIN, { response: theirs.get(await loginOptions(mailing)) });
      expect(res.code).toBe('UNAUTHENTICATED');

      // An address proven already (here by that reset) keeps its passkeys through the next one.
      const kept = await registerPasskey(mailing, owner, authenticatorFor(mailing), 'mine');
      const again = await resetBy(squatter.email);
      expect((await mailing.gql(PASSKEYS, {}, { token: again })).body.data.passkeys).toEqual([
        expect.objectContaining({ id: kept.id, name: 'mine' }),
      ]);
    } finally {
      await mailing.close();
      await smtp.close();
    }
  });

  it('keeps the last passkey of an account that has no password (no such account can be made today)', async () => {
    const user = await app.signup();
    const first = await registerPasskey(app, user.token, authenticatorFor(app));
    const second = await registerPasskey(app, user.token, authenticatorFor(app));
    // Every account has a password now (password_hash is NOT NULL); an empty one stands in for "none".
    await app.query("UPDATE users SET password_hash = '' WHERE id = ?", [user.id]);
    expect((await app.gql(REMOVE_PASSKEY, { id: first.id }, { token: user.token })).body.data.removePasskey).toBe(true);
    const last = await app.gql(REMOVE_PASSKEY, { id: second.id }, { token: user.token });
    expect(last.code).toBe('BAD_USER_INPUT');
    expect(last.body.errors[0].extensions.reason).toBe('LAST_SIGN_IN_METHOD');
    expect((await app.gql(PASSKEYS, {}, { token: user.token })).body.data.passkeys).toHaveLength(1);
  });

  it('deleting the account deletes its passkeys, its user handle and its ceremonies', async () => {
    const user = await app.signup();
    await registerPasskey(app, user.token, authenticatorFor(app));
    await app.gql(START_REGISTRATION, {}, { token: user.token });
    await app.services.users.delete(user.id);
    for (const table of ['passkeys', 'webauthn_users', 'webauthn_challenges'])
      expect(await app.query(`SELECT * FROM ${table} WHERE user_id = ?`, [user.id]), table).toEqual([]);
  });
});
