import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, LOGIN, ME, SIGNUP, uniqueEmail, type TestApp } from './helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('signup', () => {
  it('creates a USER account and returns a working HS256 token with sub, iat and exp = iat + 3600', async () => {
    const email = uniqueEmail();
    const res = await app.gql(SIGNUP, { input: { name: '  Ada  ', email, password: 'correct horse battery' } });
    expect(res.body.errors).toBeUndefined();
    const { token, user } = res.body.data!.signup;
    expect(user).toMatchObject({ name: 'Ada', email, role: 'USER' });

    const { header, claims } = decodeJwt(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(claims.sub).toBe(String(user.id));
    expect(claims.exp - claims.iat).toBe(3600);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(10);
    expect(claims).toMatchObject({ iss: 'graphql-auth-api', aud: 'graphql-auth-api', ver: 0, role: 'USER' });
    expect(typeof claims.jti).toBe('string');

    const me = await app.gql(ME, undefined, { token });
    expect(me.body.data?.me).toEqual({ id: user.id, name: 'Ada', email, role: 'USER' });
  });

  it('stores the e-mail trimmed and lower-cased', async () => {
    const email = uniqueEmail('MiXeD').toUpperCase();
    const res = await app.gql(SIGNUP, {
      input: { name: 'Case', email: `  ${email}\t`, password: 'correct horse battery' },
    });
    expect(res.body.data?.signup.user.email).toBe(email.toLowerCase());
  });

  it('refuses a second account for the same address in another case or with spaces', async () => {
    const { email } = await app.signup();
    for (const variant of [email, email.toUpperCase(), `  ${email} `]) {
      const res = await app.gql(SIGNUP, { input: { name: 'Dup', email: variant, password: 'correct horse battery' } });
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([
        {
          message: 'An account with this email already exists',
          path: ['signup'],
          locations: expect.any(Array),
          extensions: { code: 'BAD_USER_INPUT', field: 'input.email' },
        },
      ]);
    }
  });

  it.each([
    ['', 'Email is required'],
    ['   ', 'Email is required'],
    ['not-an-email', 'Email is not a valid address'],
    ['a@', 'Email is not a valid address'],
    ['@b.com', 'Email is not a valid address'],
    ['a b@c.com', 'Email is not a valid address'],
    [`${'a'.repeat(250)}@example.com`, 'Email is not a valid address'],
  ])('refuses the e-mail %j with BAD_USER_INPUT', async (email, message) => {
    const res = await app.gql(SIGNUP, { input: { name: 'X', email, password: 'correct horse battery' } });
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toBe(message);
    expect(res.body.errors?.[0]?.extensions?.field).toBe('input.email');
  });

  it.each([
    ['', 'Name is required'],
    ['   ', 'Name is required'],
    ['x'.repeat(101), 'Name must be at most 100 characters'],
    ['bad\u0000name', 'Name must not contain control characters'],
  ])('refuses the name %j with BAD_USER_INPUT', async (name, message) => {
    const res = await app.gql(SIGNUP, { input: { name, email: uniqueEmail(), password: 'correct horse battery' } });
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toBe(message);
  });

  it('accepts passwords of 8 and 256 characters and refuses 7 and 257', async () => {
    // Eight characters, not one of the common passwords ('12345678' is: see passwords-and-names.test.ts).
    const ok8 = await app.gql(SIGNUP, { input: { name: 'P', email: uniqueEmail(), password: 'k7#mq2@x' } });
    expect(ok8.body.errors).toBeUndefined();
    const ok256 = await app.gql(SIGNUP, { input: { name: 'P', email: uniqueEmail(), password: 'p'.repeat(256) } });
    expect(ok256.body.errors).toBeUndefined();

    const short = await app.gql(SIGNUP, { input: { name: 'P', email: uniqueEmail(), password: '1234567' } });
    expect(short.code).toBe('BAD_USER_INPUT');
    expect(short.body.errors?.[0]?.message).toBe('Password must be at least 8 characters');
    const long = await app.gql(SIGNUP, { input: { name: 'P', email: uniqueEmail(), password: 'p'.repeat(257) } });
    expect(long.code).toBe('BAD_USER_INPUT');
    expect(long.body.errors?.[0]?.message).toBe('Password must be at most 256 characters');
  });

  it('counts password length in characters, not bytes', async () => {
    const res = await app.gql(SIGNUP, { input: { name: 'E', email: uniqueEmail(), password: '🔑'.repeat(8) } });
    expect(res.body.errors).toBeUndefined();
  });

  it('never returns the password hash, and the schema has no field for it', async () => {
    const res = await app.gql(SIGNUP, {
      input: { name: 'H', email: uniqueEmail(), password: 'correct horse battery' },
    });
    expect(JSON.stringify(res.body)).not.toContain('$argon2');
    const probe = await app.gql('{ me { passwordHash } }');
    expect(probe.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('login', () => {
  it('logs in with the e-mail in any case and surrounding spaces', async () => {
    const { email, password, id } = await app.signup();
    const res = await app.gql(LOGIN, { email: `  ${email.toUpperCase()} `, password });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.login.user.id).toBe(id);
    expect(decodeJwt(res.body.data!.login.token).claims.sub).toBe(id);
  });

  it('gives one UNAUTHENTICATED answer for a wrong password and for an unknown e-mail', async () => {
    const { email } = await app.signup();
    const wrongPassword = await app.gql(LOGIN, { email, password: 'not the password' });
    const unknownEmail = await app.gql(LOGIN, { email: uniqueEmail('nobody'), password: 'not the password' });
    expect(wrongPassword.body).toEqual(unknownEmail.body);
    expect(wrongPassword.body).toMatchObject({
      data: null,
      errors: [{ message: 'Invalid email or password', path: ['login'], extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it('refuses an over-long password without hashing it, with the same answer', async () => {
    const { email } = await app.signup();
    const res = await app.gql(LOGIN, { email, password: 'x'.repeat(10_000) });
    expect(res.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toBe('Invalid email or password');
  });

  it('upgrades a hash made with weaker parameters at the next successful login', async () => {
    const { hash } = await import('@node-rs/argon2');
    const { email, password, id } = await app.signup();
    const weak = await hash(password, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await app.services.users.update(id, { passwordHash: weak });

    const res = await app.gql(LOGIN, { email, password });
    expect(res.body.errors).toBeUndefined();
    const stored = (await app.services.users.findById(id))!.passwordHash;
    expect(stored).not.toBe(weak);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The upgraded hash still verifies.
    expect((await app.gql(LOGIN, { email, password })).body.errors).toBeUndefined();
  });

  it('stores argon2id hashes in PHC format at OWASP parameters', async () => {
    const { id } = await app.signup();
    const stored = (await app.services.users.findById(id))!.passwordHash;
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('still works when a stale or broken token is sent along (public fields ignore it)', async () => {
    const { email, password } = await app.signup();
    const res = await app.gql(LOGIN, { email, password }, { headers: { authorization: 'Bearer expired.or.garbage' } });
    expect(res.body.errors).toBeUndefined();
  });
});
