import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../src/auth/password.js';
import { parseDatabaseUrl } from '../src/config.js';
import { createDataSource, openDatabase } from '../src/db/data-source.js';
import { CreateUsers1732400000000 } from '../src/db/migrations/1732400000000-create-users.js';
import { migrations } from '../src/db/migrations/index.js';
import { v7 as uuidv7 } from 'uuid';
import { createTestApp, LOGIN, uniqueEmail } from './helpers/app.js';
import { createTestDatabase, databasePerFile, dbKind, NEEDS_POSTGRES } from './helpers/db.js';
import { runScript } from './helpers/server.js';

// On the project's database: SQLite, and PostgreSQL when TEST_DATABASE_URL is set.
const file = databasePerFile('migrate');

const indexSql = (kind: string) =>
  kind === 'postgres'
    ? "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'users' AND indexname = 'idx_users_created_at'"
    : "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'idx_users_created_at'";

describe(`upgrading a populated database (${dbKind})`, () => {
  it('has more than one migration, so the upgrade path is real', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(2);
    expect(migrations[0]).toBe(CreateUsers1732400000000);
  });

  it('keeps every account, able to log in, from the first migration to the latest and back', async () => {
    const env = { DATABASE_URL: file.db.url, DATA_DIR: file.dir };
    // 1. A database as the first release left it, with accounts in it.
    const old = await openDatabase(parseDatabaseUrl(file.db.url, file.dir), {
      migrate: true,
      migrations: [CreateUsers1732400000000],
    });
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 100 });
    // In the first migration's columns, as that release wrote them (today's entity has more).
    const insert =
      dbKind === 'postgres'
        ? 'INSERT INTO users (id, name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)'
        : 'INSERT INTO users (id, name, email, password_hash, role) VALUES (?, ?, ?, ?, ?)';
    const accounts = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const email = uniqueEmail(`old${i}`);
        const password = `old password ${i}`;
        const id = uuidv7();
        const role = i === 0 ? 'ADMIN' : 'USER';
        await old.query(insert, [id, `Old ${i}`, email, await hasher.hash(password), role]);
        return { id, email, password, role };
      }),
    );
    expect(await old.query(indexSql(dbKind))).toEqual([]);
    await old.destroy();

    // 2. The deploy step: npm run migrate -- --status, then npm run migrate.
    const status = await runScript('src/cli/migrate.ts', ['--status'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('applied  CreateUsers1732400000000');
    expect(status.stdout).toContain('pending migrations exist');
    const up = await runScript('src/cli/migrate.ts', [], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.trim().split('\n')).toEqual(migrations.slice(1).map((m) => `applied  ${new m().name}`));
    expect((await runScript('src/cli/migrate.ts', ['--status'], env)).stdout).toContain('up to date');

    // 3. The new release on the upgraded database: every account logs in, roles kept.
    const app = await createTestApp({}, { database: file.db.url, migrate: false });
    try {
      expect(await app.dataSource.query(indexSql(dbKind))).toHaveLength(1);
      expect(await app.services.users.count()).toBe(accounts.length);
      for (const a of accounts) {
        const res = await app.gql(LOGIN, { email: a.email, password: a.password });
        expect(res.body.errors, a.email).toBeUndefined();
        expect(res.body.data!.login.user).toMatchObject({ id: a.id, role: a.role });
      }
      // New accounts work beside the old ones.
      await app.signup();
    } finally {
      await app.close();
    }

    // 4. Reverting the latest migration keeps the data too, and a server start re-applies it.
    const down = await runScript('src/cli/migrate.ts', ['--revert'], env);
    expect(down.code, down.stderr).toBe(0);
    const again = await createTestApp({}, { database: file.db.url });
    try {
      expect(await again.dataSource.query(indexSql(dbKind))).toHaveLength(1);
      expect(await again.services.users.count()).toBe(accounts.length + 1);
      const res = await again.gql(LOGIN, { email: accounts[3]!.email, password: accounts[3]!.password });
      expect(res.body.errors).toBeUndefined();
    } finally {
      await again.close();
    }
  });
});

describe.skipIf(dbKind !== 'postgres')(`instances and npm run migrate starting together ${NEEDS_POSTGRES}`, () => {
  it('apply the migrations once, in turn, instead of racing to create the tables', async () => {
    const fresh = await createTestDatabase(file.dir, 'postgres');
    try {
      const config = parseDatabaseUrl(fresh.url, file.dir);
      // Two as a server start does, two as `npm run migrate` does (initialize, then runMigrations).
      const sources = await Promise.all([
        openDatabase(config, { migrate: true }),
        openDatabase(config, { migrate: true }),
        ...[1, 2].map(async () => {
          const ds = await createDataSource(config).initialize();
          await ds.runMigrations({ transaction: 'each' });
          return ds;
        }),
      ]);
      const applied = await sources[0]!.query('SELECT name FROM migrations ORDER BY id');
      expect(applied.map((r: { name: string }) => r.name)).toEqual(migrations.map((m) => new m().name));
      await Promise.all(sources.map((s) => s.destroy()));
    } finally {
      await fresh.drop();
    }
  });
});
