import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../src/db/data-source.js';
import { createTestApp, LOGIN, SIGNUP, uniqueEmail, type TestApp } from './helpers/app.js';
import { dbKind, NEEDS_POSTGRES } from './helpers/db.js';

// Runs once per vitest project: on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const USERS_PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String) {
    users(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id createdAt } }
  }
`;
const ME_TIMES = /* GraphQL */ `{ me { id createdAt updatedAt } }`;
const UPDATE_ME = /* GraphQL */ `mutation U($input: UpdateMeInput!) { updateMe(input: $input) { name updatedAt } }`;

describe.skipIf(dbKind !== 'sqlite')('SQLite settings (sqlite project)', () => {
  it("runs in WAL mode with a 5 s busy timeout, foreign keys on, and NORMAL with the server's own sync", async () => {
    const pragma = async (name: string) => Object.values((await app.dataSource.query(`PRAGMA ${name}`))[0])[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('busy_timeout')).toBe(5000);
    // NORMAL: the server syncs each answer's commits itself (test/durable-commits.test.ts).
    expect(app.services.durableCommits).toBeDefined();
    expect(await pragma('synchronous')).toBe(1);
    expect(await pragma('foreign_keys')).toBe(1);
  });

  it('a connection the server does not sync itself (the CLI, migrations) keeps synchronous=FULL', async () => {
    const ds = createDataSource({ type: 'sqlite', path: path.join(app.dir, 'cli.sqlite') });
    await ds.initialize();
    try {
      expect(Object.values((await ds.query('PRAGMA synchronous'))[0])[0]).toBe(2);
    } finally {
      await ds.destroy();
    }
  });
});

describe.skipIf(dbKind !== 'postgres')(`PostgreSQL schema ${NEEDS_POSTGRES}`, () => {
  it('stores timestamps as timestamptz and compares ids byte-wise (collation C)', async () => {
    const cols: Array<{ column_name: string; data_type: string; collation_name: string | null }> =
      await app.dataSource.query(
        `SELECT column_name, data_type, collation_name FROM information_schema.columns WHERE table_name = 'users'`,
      );
    const by = Object.fromEntries(cols.map((c) => [c.column_name, c]));
    expect(by.created_at?.data_type).toBe('timestamp with time zone');
    expect(by.updated_at?.data_type).toBe('timestamp with time zone');
    expect(by.id?.collation_name).toBe('C');
    // The test database's sessions run in New York time on purpose (see helpers/db.ts).
    expect((await app.dataSource.query('SHOW timezone'))[0].TimeZone).toBe('America/New_York');
  });
});

describe(`timestamps (${dbKind})`, () => {
  it('come back as the instant they were written, whatever the process and session time zones', async () => {
    expect(new Date().getTimezoneOffset()).not.toBe(0); // TZ=Asia/Kolkata from vitest.config.ts
    const before = Date.now();
    const { token, id } = await app.signup();
    const after = Date.now();
    const me = await app.gql(ME_TIMES, undefined, { token });
    const createdAt = Date.parse(me.body.data!.me.createdAt);
    expect(me.body.data!.me.createdAt).toMatch(/Z$/);
    // Second precision at worst, no hours off.
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(after + 1000);

    // And the database itself holds that instant in UTC, not in some local time.
    const epochSql =
      app.dbKind === 'postgres'
        ? 'SELECT extract(epoch FROM created_at)::float8 AS e FROM users WHERE id = $1'
        : 'SELECT (julianday(created_at) - 2440587.5) * 86400.0 AS e FROM users WHERE id = ?';
    const [{ e }] = await app.dataSource.query(epochSql, [id]);
    expect(Math.abs(Number(e) * 1000 - createdAt)).toBeLessThan(1000);

    await new Promise((r) => setTimeout(r, 20));
    const upd = await app.gql(UPDATE_ME, { input: { name: 'Renamed' } }, { token });
    expect(upd.body.errors).toBeUndefined();
    expect(Date.parse(upd.body.data!.updateMe.updatedAt)).toBeGreaterThanOrEqual(createdAt);
    expect(Date.parse(upd.body.data!.updateMe.updatedAt)).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe(`users paging by id (${dbKind})`, () => {
  it('lists every account once, oldest first, across pages', async () => {
    const made: string[] = [];
    for (let i = 0; i < 23; i += 1) made.push((await app.signup({ password: 'paging password' })).id);
    const viewer = await app.signup({ password: 'paging password' });
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let pages = 0; pages < 50; pages += 1) {
      const res: any = await app.gql(USERS_PAGE, { first: 7, after }, { token: viewer.token });
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data.users;
      total = page.totalCount;
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(seen.length);
    // The accounts made here appear in the order they were made...
    expect(seen.filter((id) => made.includes(id))).toEqual(made);
    // ...and the database's order agrees with JavaScript's byte order of the ids.
    expect(seen).toEqual([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});

describe(`concurrent signups (${dbKind})`, () => {
  it('keeps every one of 40 simultaneous signups, each able to log in', async () => {
    const emails = Array.from({ length: 40 }, () => uniqueEmail('burst'));
    const countBefore = await app.services.users.count();
    const results = await Promise.all(
      emails.map((email) => app.gql(SIGNUP, { input: { name: 'Burst', email, password: 'burst password' } })),
    );
    for (const r of results) expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    expect(new Set(results.map((r) => r.body.data!.signup.user.id)).size).toBe(40);
    expect(await app.services.users.count()).toBe(countBefore + 40);
    const logins = await Promise.all(emails.map((email) => app.gql(LOGIN, { email, password: 'burst password' })));
    for (const l of logins) expect(l.body.errors).toBeUndefined();
  });

  it('gives one account for 12 simultaneous signups with one address, and BAD_USER_INPUT to the rest', async () => {
    const email = uniqueEmail('race');
    // Different spellings of one address: the normalised value is what must be unique.
    const variants = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? email : i % 3 === 1 ? email.toUpperCase() : ` ${email} `,
    );
    const results = await Promise.all(
      variants.map((v, i) => app.gql(SIGNUP, { input: { name: `Racer ${i}`, email: v, password: 'race password' } })),
    );
    const ok = results.filter((r) => r.body.data?.signup);
    const refused = results.filter((r) => r.body.errors);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(11);
    for (const r of refused) {
      expect(r.status).toBe(200);
      expect(r.body.errors).toEqual([
        expect.objectContaining({
          message: 'An account with this email already exists',
          extensions: { code: 'BAD_USER_INPUT', field: 'input.email' },
        }),
      ]);
    }
    const rows = await app.query('SELECT id FROM users WHERE email = ?', [email]);
    expect(rows).toEqual([{ id: ok[0]!.body.data!.signup.user.id }]);
  });
});
