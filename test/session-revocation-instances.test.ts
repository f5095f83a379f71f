import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, LOGIN, ME, SIGNUP, uniqueEmail } from './helpers/app.js';
import { createPostgresDatabase, dbKind, NEEDS_POSTGRES, type TestDatabase } from './helpers/db.js';
import { newSecret, startServer, type SpawnedServer } from './helpers/server.js';

// Two server processes on one PostgreSQL database (as in test/instances.test.ts): a session ended
// through one is refused by the other at its very next request, with no cache or message between them.
describe.skipIf(dbKind !== 'postgres')(`session revocation across two instances ${NEEDS_POSTGRES}`, () => {
  let db: TestDatabase;
  let a: SpawnedServer;
  let b: SpawnedServer;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const env = { DATABASE_URL: db.url, JWT_SECRET: newSecret() };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    const exits = await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    for (const e of exits) if (e) expect(e).toEqual({ code: 0, signal: null });
  });

  it('revokeSession on one instance refuses that session’s access token on the other at the next request', async () => {
    const email = uniqueEmail('inst');
    const password = 'instance password';
    const first = (await a.gql(SIGNUP, { input: { name: 'I', email, password } })).body.data!.signup.token as string;
    const second = (await b.gql(LOGIN, { email, password })).body.data!.login.token as string;
    expect((await b.gql(ME, undefined, { token: second })).body.errors).toBeUndefined(); // accepted first
    expect((await a.gql(ME, undefined, { token: second })).body.errors).toBeUndefined();

    const revoked = await a.gql(
      'mutation($id: ID!) { revokeSession(id: $id) }',
      { id: decodeJwt(second).claims.sid },
      {
        token: first,
      },
    );
    expect(revoked.body).toEqual({ data: { revokeSession: true } });
    const me = await b.gql(ME, undefined, { token: second });
    expect(me.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await b.gql(ME, undefined, { token: first })).body.errors).toBeUndefined();
  });

  it('logout on one instance refuses the access token on the other at the next request', async () => {
    const email = uniqueEmail('inst-out');
    const password = 'instance password';
    const signup = (
      await b.gql('mutation($input: SignupInput!) { signup(input: $input) { token refreshToken } }', {
        input: { name: 'I', email, password },
      })
    ).body.data!.signup;
    expect((await a.gql(ME, undefined, { token: signup.token })).body.errors).toBeUndefined();
    const out = await b.gql('mutation($rt: String) { logout(refreshToken: $rt) }', { rt: signup.refreshToken });
    expect(out.body).toEqual({ data: { logout: true } });
    expect((await a.gql(ME, undefined, { token: signup.token })).body.errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});
