import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// Revocation without sessions: a token version per user, carried in every token as `ver`.
// Two server processes on one database stand for two instances behind a load balancer.
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
