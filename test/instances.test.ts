import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN, ME, SIGNUP, uniqueEmail } from './helpers/app.js';
import { createPostgresDatabase, dbKind, NEEDS_POSTGRES, type TestDatabase } from './helpers/db.js';
import { newSecret, startServer, type SpawnedServer } from './helpers/server.js';

// Two server processes behind one (imaginary) load balancer: one PostgreSQL database, one
// JWT_SECRET, and one Redis when REDIS_URL is set. Runs in the postgres project only.
const DELETE_ME = /* GraphQL */ `mutation { deleteUser { id } }`;

describe.skipIf(dbKind !== 'postgres')(`two instances on one PostgreSQL database ${NEEDS_POSTGRES}`, () => {
  let db: TestDatabase;
  let a: SpawnedServer;
  let b: SpawnedServer;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    // Own Redis key prefix: counters from other runs on the same Redis cannot leak in.
    const env = { DATABASE_URL: db.url, JWT_SECRET: newSecret(), REDIS_KEY_PREFIX: `test-${newSecret().slice(0, 8)}` };
    // Started together on an empty database: both migrate at start, one after the other.
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    const exits = await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    for (const e of exits) if (e) expect(e).toEqual({ code: 0, signal: null });
  });

  it("accept each other's tokens", async () => {
    const { email, token, id } = await a.signup({ password: 'multi password' });
    const meOnB = await b.gql(ME, undefined, { token });
    expect(meOnB.body.errors).toBeUndefined();
    expect(meOnB.body.data!.me).toMatchObject({ id, email });

    const login = await b.login(email, 'multi password');
    const meOnA = await a.gql(ME, undefined, { token: login.body.data!.login.token });
    expect(meOnA.body.data!.me.id).toBe(id);
  });

  it('refuse, on the other instance, an account deleted through one, at the very next request', async () => {
    const { token, email, password } = await b.signup();
    expect((await a.gql(ME, undefined, { token })).body.errors).toBeUndefined(); // accepted first

    const del = await a.gql(DELETE_ME, undefined, { token });
    expect(del.body.errors).toBeUndefined();
    const me = await b.gql(ME, undefined, { token });
    expect(me.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const login = await b.login(email, password);
    expect(login.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('create exactly one account for one address signed up on both at once', async () => {
    const email = uniqueEmail('split');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).gql(SIGNUP, { input: { name: `S${i}`, email, password: 'split password' } }),
      ),
    );
    expect(results.filter((r) => r.body.data?.signup)).toHaveLength(1);
    for (const r of results.filter((x) => x.body.errors)) {
      expect(r.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.email' });
    }
  });

  it('keep every one of many signups spread over both', async () => {
    const emails = Array.from({ length: 30 }, () => uniqueEmail('spread'));
    const results = await Promise.all(
      emails.map((email, i) =>
        (i % 2 ? a : b).gql(SIGNUP, { input: { name: 'Spread', email, password: 'spread password' } }),
      ),
    );
    for (const r of results) expect(r.body.errors).toBeUndefined();
    const ids = new Set(results.map((r) => r.body.data!.signup.user.id));
    expect(ids.size).toBe(30);
  });

  it.skipIf(!process.env.REDIS_URL)('count failed logins made on either instance (shared Redis)', async () => {
    const email = uniqueEmail('throttle');
    await a.gql(SIGNUP, { input: { name: 'T', email, password: 'the right password' } });
    // The default limit is 10 failures per account and address; spread them over both instances.
    for (let i = 0; i < 10; i += 1) {
      const res = await (i % 2 ? a : b).gql(LOGIN, { email, password: `wrong password ${i}` });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    for (const server of [a, b]) {
      const res = await server.gql(LOGIN, { email, password: 'the right password' });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    }
  });
});
