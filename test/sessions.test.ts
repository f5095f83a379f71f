import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, makeAdmin, ME, uniqueEmail, type TestApp } from './helpers/app.js';

const SIGNUP = /* GraphQL */ `
  mutation($input: SignupInput!) { signup(input: $input) { token refreshToken user { id role } } }
`;
const LOGIN = /* GraphQL */ `
  mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token refreshToken } }
`;
const REFRESH = /* GraphQL */ `mutation($rt: String) { refresh(refreshToken: $rt) { token refreshToken user { id role } } }`;
const LOGOUT = /* GraphQL */ `mutation($rt: String) { logout(refreshToken: $rt) }`;
const LOGOUT_ALL = /* GraphQL */ `mutation { logoutAll }`;

const session = (app: TestApp, password = 'correct horse battery') => app.signup({ name: 'S', password });

describe('refresh tokens (body transport)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('signup and login return an opaque refresh token, stored only as its hash', async () => {
    const s = await session(app);
    expect(s.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await app.query('SELECT token_hash, expires_at FROM refresh_tokens WHERE user_id = ?', [s.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(s.refreshToken).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(s.refreshToken);
    const stored = rows[0].expires_at; // a Date on PostgreSQL, UTC text on SQLite
    const expires = stored instanceof Date ? stored : new Date(`${stored}Z`);
    const days = (expires.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const login = await app.gql(LOGIN, { email: s.email, password: s.password });
    expect(login.body.data?.login.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refresh returns a working access token and a new refresh token, and retires the old one', async () => {
    const s = await session(app);
    const r1 = await app.gql(REFRESH, { rt: s.refreshToken });
    expect(r1.body.errors).toBeUndefined();
    const next = r1.body.data!.refresh;
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect(next.user.id).toBe(s.id);
    expect((await app.gql(ME, undefined, { token: next.token })).body.data?.me.id).toBe(s.id);
    // The new one works once too.
    expect((await app.gql(REFRESH, { rt: next.refreshToken })).body.errors).toBeUndefined();
  });

  it('presenting a retired refresh token revokes the whole family: the newer one stops working too', async () => {
    const s = await session(app);
    const rotated = (await app.gql(REFRESH, { rt: s.refreshToken })).body.data!.refresh.refreshToken;
    const replay = await app.gql(REFRESH, { rt: s.refreshToken });
    expect(replay.body.errors?.[0]).toMatchObject({
      message: 'Invalid refresh token: sign in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await app.gql(REFRESH, { rt: rotated })).code).toBe('UNAUTHENTICATED');
    // Another sign-in (another family) is untouched.
    const other = (await app.gql(LOGIN, { email: s.email, password: s.password })).body.data!.login.refreshToken;
    expect((await app.gql(REFRESH, { rt: other })).body.errors).toBeUndefined();
  });

  it('lets exactly one of two simultaneous refreshes with one token win', async () => {
    const s = await session(app);
    const results = await Promise.all([
      app.gql(REFRESH, { rt: s.refreshToken }),
      app.gql(REFRESH, { rt: s.refreshToken }),
    ]);
    expect(results.filter((r) => r.body.data?.refresh).length).toBe(1);
    expect(results.filter((r) => r.code === 'UNAUTHENTICATED').length).toBe(1);
  });

  it('refuses an unknown, malformed, expired or missing refresh token clearly', async () => {
    expect((await app.gql(REFRESH, { rt: 'A'.repeat(43) })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REFRESH, { rt: 'x' })).code).toBe('UNAUTHENTICATED');
    const s = await session(app);
    await app.query("UPDATE refresh_tokens SET expires_at = '2000-01-01 00:00:00.000' WHERE user_id = ?", [s.id]);
    expect((await app.gql(REFRESH, { rt: s.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REFRESH, {})).body.errors?.[0]).toMatchObject({
      message: 'refreshToken is required',
      extensions: { code: 'BAD_USER_INPUT', field: 'refreshToken' },
    });
  });

  it('logout revokes one session and leaves the others', async () => {
    const s = await session(app);
    const second = (await app.gql(LOGIN, { email: s.email, password: s.password })).body.data!.login.refreshToken;
    expect((await app.gql(LOGOUT, { rt: s.refreshToken })).body.data).toEqual({ logout: true });
    expect((await app.gql(REFRESH, { rt: s.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(LOGOUT, { rt: s.refreshToken })).body.data).toEqual({ logout: false });
    expect((await app.gql(REFRESH, { rt: second })).body.errors).toBeUndefined();
  });

  it('logoutAll refuses every access and refresh token the user held, within one request', async () => {
    const s = await session(app);
    const other = (await app.gql(LOGIN, { email: s.email, password: s.password })).body.data!.login;
    expect((await app.gql(LOGOUT_ALL, undefined, { token: s.token })).body.data).toEqual({ logoutAll: true });
    for (const token of [s.token, other.token]) {
      expect((await app.gql(ME, undefined, { token })).body.errors?.[0]?.message).toBe('Token has been revoked');
    }
    for (const rt of [s.refreshToken, other.refreshToken])
      expect((await app.gql(REFRESH, { rt })).code).toBe('UNAUTHENTICATED');
    // A new login works as usual.
    const fresh = (await app.gql(LOGIN, { email: s.email, password: s.password })).body.data!.login;
    expect((await app.gql(ME, undefined, { token: fresh.token })).body.data?.me.id).toBe(s.id);
  });

  it('logoutAll needs an access token', async () => {
    expect((await app.gql(LOGOUT_ALL)).code).toBe('UNAUTHENTICATED');
  });

  it('changePassword ends the other sessions', async () => {
    const s = await session(app);
    const res = await app.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { refreshToken } }',
      { c: s.password, n: 'another long password' },
      { token: s.token },
    );
    expect((await app.gql(REFRESH, { rt: s.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REFRESH, { rt: res.body.data!.changePassword.refreshToken })).body.errors).toBeUndefined();
  });

  it("a deleted user's refresh token is refused", async () => {
    const s = await session(app);
    await app.gql('mutation { deleteUser { id } }', undefined, { token: s.token });
    expect((await app.gql(REFRESH, { rt: s.refreshToken })).code).toBe('UNAUTHENTICATED');
  });

  it('after a demotion, the old admin token is refused and a refresh carries the new role', async () => {
    const s = await session(app);
    await makeAdmin(app, s.id);
    const adminSession = (await app.gql(LOGIN, { email: s.email, password: s.password })).body.data!.login;
    expect(decodeJwt(adminSession.token).claims.role).toBe('ADMIN');
    const boss = await session(app);
    const bossToken = await makeAdmin(app, boss.id);
    await app.gql('mutation($id: ID!) { setUserRole(id: $id, role: USER) { id } }', { id: s.id }, { token: bossToken });

    expect((await app.gql(ME, undefined, { token: adminSession.token })).code).toBe('UNAUTHENTICATED');
    const refreshed = (await app.gql(REFRESH, { rt: adminSession.refreshToken })).body.data!.refresh;
    expect(refreshed.user.role).toBe('USER');
    expect(decodeJwt(refreshed.token).claims.role).toBe('USER');
  });
});

describe('staying logged in with short access tokens', () => {
  it('a client whose access token expired refreshes and carries on', async () => {
    // 2 s, not 1: `iat` is whole seconds, so a token signed late in a second has up to a second
    // less than its lifetime; the refreshed one must still be valid when it is used just after.
    const app = await createTestApp({ JWT_EXPIRES_IN: '2', JWT_CLOCK_TOLERANCE: '0' });
    try {
      const s = await session(app);
      await new Promise((r) => setTimeout(r, 3100));
      const expired = await app.gql(ME, undefined, { token: s.token });
      expect(expired.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
      const next = (await app.gql(REFRESH, { rt: s.refreshToken })).body.data!.refresh;
      expect((await app.gql(ME, undefined, { token: next.token })).body.data?.me.id).toBe(s.id);
    } finally {
      await app.close();
    }
  });
});

describe('cookie transport', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ REFRESH_TOKEN_TRANSPORT: 'cookie', CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => app.close());

  function cookieOf(headers: Headers): string {
    const set = headers.get('set-cookie') ?? '';
    return set.split(';')[0]!;
  }

  it('puts the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to /graphql, never in the body', async () => {
    const res = await app.gql(SIGNUP, {
      input: { name: 'C', email: uniqueEmail(), password: 'correct horse battery' },
    });
    expect(res.body.data?.signup.refreshToken).toBeNull();
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^refresh_token=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/graphql/i);
    expect(setCookie).toMatch(/Expires=/i);
  });

  it('refresh without an argument reads the cookie, rotates it, and reuse still revokes the family', async () => {
    const res = await app.gql(SIGNUP, {
      input: { name: 'C', email: uniqueEmail(), password: 'correct horse battery' },
    });
    const first = cookieOf(res.headers);
    const r1 = await app.gql(REFRESH, {}, { headers: { cookie: first } });
    expect(r1.body.errors).toBeUndefined();
    expect(r1.body.data?.refresh.refreshToken).toBeNull();
    const second = cookieOf(r1.headers);
    expect(second).not.toBe(first);
    expect((await app.gql(REFRESH, {}, { headers: { cookie: first } })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REFRESH, {}, { headers: { cookie: second } })).code).toBe('UNAUTHENTICATED');
  });

  it('refuses the cookie on a request a cross-site form could send (CSRF), and from an unlisted origin', async () => {
    const res = await app.gql(SIGNUP, {
      input: { name: 'C', email: uniqueEmail(), password: 'correct horse battery' },
    });
    const cookie = cookieOf(res.headers);
    const form = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ query: 'mutation { refresh { token } }' }).toString(),
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as any).errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const evil = await app.gql(REFRESH, {}, { headers: { cookie, origin: 'https://evil.example' } });
    expect(evil.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    // The listed frontend origin may use it, and the token survived the refused attempts.
    const ok = await app.gql(REFRESH, {}, { headers: { cookie, origin: 'https://app.example.com' } });
    expect(ok.body.errors).toBeUndefined();
  });

  it('answers UNAUTHENTICATED when the cookie is missing', async () => {
    expect((await app.gql(REFRESH, {})).body.errors?.[0]).toMatchObject({
      message: 'No refresh token: sign in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('logout revokes the session and clears the cookie', async () => {
    const res = await app.gql(SIGNUP, {
      input: { name: 'C', email: uniqueEmail(), password: 'correct horse battery' },
    });
    const cookie = cookieOf(res.headers);
    const out = await app.gql(LOGOUT, {}, { headers: { cookie } });
    expect(out.body.data).toEqual({ logout: true });
    expect(out.headers.get('set-cookie')).toMatch(/^refresh_token=;.*(Expires=Thu, 01 Jan 1970|Max-Age=0)/i);
    expect((await app.gql(REFRESH, {}, { headers: { cookie } })).code).toBe('UNAUTHENTICATED');
  });

  it('answers CORS preflights with credentials for the listed origin only', async () => {
    const preflight = (origin: string) =>
      app.yoga.fetch('http://localhost/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const ok = await preflight('https://app.example.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});

/** A Set-Cookie header's attributes but its value and expiry: what a clearing header must repeat. */
function attributesOf(setCookie: string | null): string[] {
  const [nameValue, ...attributes] = (setCookie ?? '').split(/; */);
  const name = nameValue!.split('=')[0]!;
  return [name, ...attributes.filter((a) => !/^(expires|max-age)=/i.test(a)).map((a) => a.toLowerCase())].sort();
}

describe.each([
  ['SameSite=None (a frontend on another site)', { REFRESH_COOKIE_SAMESITE: 'none' }, ['samesite=none', 'secure']],
  ['SameSite=Lax without Secure', { REFRESH_COOKIE_SAMESITE: 'lax', REFRESH_COOKIE_SECURE: 'false' }, ['samesite=lax']],
])('cookie transport, %s: every clearing Set-Cookie repeats the attributes that set it', (_label, env, expected) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ REFRESH_TOKEN_TRANSPORT: 'cookie', CORS_ORIGINS: 'https://app.example.com', ...env });
  });
  afterAll(() => app.close());

  async function signIn() {
    const res = await app.gql(SIGNUP, {
      input: { name: 'C', email: uniqueEmail(), password: 'correct horse battery' },
    });
    const setCookie = res.headers.get('set-cookie');
    expect(attributesOf(setCookie)).toEqual(['httponly', 'path=/graphql', 'refresh_token', ...expected].sort());
    return { setCookie, cookie: setCookie!.split(';')[0]!, token: res.body.data!.signup.token as string };
  }

  function expectCleared(res: { headers: Headers }, setCookie: string | null) {
    const cleared = res.headers.get('set-cookie');
    expect(cleared).toMatch(/^refresh_token=; .*Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
    expect(attributesOf(cleared)).toEqual(attributesOf(setCookie));
  }

  it('logout with the cookie', async () => {
    const s = await signIn();
    const out = await app.gql(LOGOUT, {}, { headers: { cookie: s.cookie, origin: 'https://app.example.com' } });
    expect(out.body.data).toEqual({ logout: true });
    expectCleared(out, s.setCookie);
  });

  it('logout with only the access token (no cookie sent)', async () => {
    const s = await signIn();
    const out = await app.gql(LOGOUT, {}, { token: s.token });
    expect(out.body.data).toEqual({ logout: true });
    expectCleared(out, s.setCookie);
  });

  it('logoutAll', async () => {
    const s = await signIn();
    const out = await app.gql(LOGOUT_ALL, {}, { token: s.token, headers: { cookie: s.cookie } });
    expect(out.body.data).toEqual({ logoutAll: true });
    expectCleared(out, s.setCookie);
  });
});
