import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// Revocation on every instance: a token version per user, carried in every token as `ver`, and
// per session (`sid`), read by the same per-request lookup. Two server processes on one SQLite
// file stand for two instances behind a load balancer (test/session-revocation-instances.test.ts
// does the same on PostgreSQL).
let a: SpawnedServer;
let b: SpawnedServer;
let A: ReturnType<typeof httpClient>;
let B: ReturnType<typeof httpClient>;

beforeAll(async () => {
  a = await startServer();
  b = await startServer({ DATABASE_URL: `sqlite:${path.join(a.dataDir, 'app.sqlite')}`, JWT_SECRET: a.secret });
  A = httpClient(a.url);
  B = httpClient(b.url);
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const ME = '{ me { id } }';
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token refreshToken } }';
const REFRESH = 'mutation($rt: String) { refresh(refreshToken: $rt) { token } }';
const REVOKE = 'mutation($id: ID!) { revokeSession(id: $id) }';
const LOGOUT = 'mutation($rt: String) { logout(refreshToken: $rt) }';

const sidOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sid;

/** Signs in again on `client`: another session of the account, with its refresh token. */
async function signIn(client: typeof A, email: string, password: string) {
  const res = await client.gql(LOGIN, { e: email, p: password });
  if (!res.body.data?.login) throw new Error(res.text);
  return res.body.data.login as { token: string; refreshToken: string };
}

describe('revocation on every instance', () => {
  it('control: a token issued by one instance is accepted by the other', async () => {
    const u = await A.signup();
    expect((await B.gql(ME, undefined, { token: u.token })).body.data.me.id).toBe(u.id);
  });

  it('a password change on one instance refuses older tokens on the other at once', async () => {
    const u = await A.signup();
    const res = await A.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: u.password, n: 'a completely new password' },
      { token: u.token },
    );
    expect((await B.gql(ME, undefined, { token: u.token })).body.errors[0].message).toBe('Token has been revoked');
    expect((await B.gql(ME, undefined, { token: res.body.data.changePassword.token })).body.data.me.id).toBe(u.id);
  });

  it('logoutAll on one instance refuses every access and refresh token on the other', async () => {
    const u = await A.signup();
    const second = (await B.login(u.email, u.password)).body.data.login.token;
    await B.gql('mutation { logoutAll }', undefined, { token: second });
    expect((await A.gql(ME, undefined, { token: u.token })).code).toBe('UNAUTHENTICATED');
    expect((await A.gql(ME, undefined, { token: second })).code).toBe('UNAUTHENTICATED');
    const refresh = await A.gql('mutation($rt: String) { refresh(refreshToken: $rt) { token } }', {
      rt: u.refreshToken,
    });
    expect(refresh.code).toBe('UNAUTHENTICATED');
  });

  it('revokeSession on one instance refuses that session on the other at its next request, and its refresh token', async () => {
    const u = await A.signup();
    const laptop = await signIn(B, u.email, u.password);
    // B has just answered for both tokens, so it has their lookups at hand.
    expect((await B.gql(ME, undefined, { token: laptop.token })).body.data.me.id).toBe(u.id);
    expect((await B.gql(ME, undefined, { token: u.token })).body.data.me.id).toBe(u.id);

    const revoked = await A.gql(REVOKE, { id: sidOf(laptop.token) }, { token: u.token });
    expect(revoked.body).toEqual({ data: { revokeSession: true } });

    const me = await B.gql(ME, undefined, { token: laptop.token });
    expect(me.code).toBe('UNAUTHENTICATED');
    expect(me.body.errors[0].message).toBe('Token has been revoked');
    expect((await B.gql(REFRESH, { rt: laptop.refreshToken })).code).toBe('UNAUTHENTICATED');
    // Only that session: the one that revoked it goes on, on both instances.
    expect((await B.gql(ME, undefined, { token: u.token })).body.data.me.id).toBe(u.id);
    expect((await A.gql(ME, undefined, { token: u.token })).body.data.me.id).toBe(u.id);
    // A sees the same: the session is no longer listed.
    const listed = await A.gql('{ sessions { id } }', undefined, { token: u.token });
    expect(listed.body.data.sessions).toEqual([{ id: sidOf(u.token) }]);
  });

  it('logout of the current session on one instance refuses its tokens on the other at the next request', async () => {
    const u = await A.signup();
    const phone = await signIn(A, u.email, u.password);
    expect((await B.gql(ME, undefined, { token: u.token })).body.data.me.id).toBe(u.id);
    expect((await B.gql(ME, undefined, { token: phone.token })).body.data.me.id).toBe(u.id);

    // Without a refresh token: the session of the access token sent ends.
    expect((await A.gql(LOGOUT, {}, { token: u.token })).body).toEqual({ data: { logout: true } });
    expect((await B.gql(ME, undefined, { token: u.token })).code).toBe('UNAUTHENTICATED');
    expect((await B.gql(REFRESH, { rt: u.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await B.gql(ME, undefined, { token: phone.token })).body.data.me.id).toBe(u.id);

    // With its refresh token, on the other instance: A refuses the access token next.
    expect((await A.gql(ME, undefined, { token: phone.token })).body.data.me.id).toBe(u.id);
    expect((await B.gql(LOGOUT, { rt: phone.refreshToken })).body).toEqual({ data: { logout: true } });
    expect((await A.gql(ME, undefined, { token: phone.token })).code).toBe('UNAUTHENTICATED');
    expect((await A.gql(REFRESH, { rt: phone.refreshToken })).code).toBe('UNAUTHENTICATED');
  });

  it('a role change refuses the older tokens', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const u = await A.signup();
    await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['src/cli/promote-user.ts', u.email], {
      env: { ...process.env, DATABASE_URL: `sqlite:${path.join(a.dataDir, 'app.sqlite')}` },
    });
    expect((await B.gql(ME, undefined, { token: u.token })).body.errors[0].message).toBe('Token has been revoked');
  });
});
