import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type MigrationInterface } from 'typeorm';
import type { DatabaseConfig } from '../config.js';
import { AccountTokenSchema } from './entities/account-token.js';
import { RefreshTokenSchema } from './entities/refresh-token.js';
import { SecurityEventSchema } from './entities/security-event.js';
import { SessionSchema } from './entities/session.js';
import { UserSchema } from './entities/user.js';
import { MfaChallengeSchema, RecoveryCodeSchema, TotpFactorSchema } from './entities/mfa.js';
import { PasskeySchema, WebauthnChallengeSchema, WebauthnUserSchema } from './entities/passkey.js';
import { trackCommits } from './durable-commits.js';
import { migrations } from './migrations/index.js';

export const entities = [
  UserSchema,
  RefreshTokenSchema,
  AccountTokenSchema,
  TotpFactorSchema,
  RecoveryCodeSchema,
  MfaChallengeSchema,
  SessionSchema,
  SecurityEventSchema,
  PasskeySchema,
  WebauthnUserSchema,
  WebauthnChallengeSchema,
];

/** A migration class as TypeORM takes it; `migrations` lists them all. */
export type MigrationClass = new () => MigrationInterface;

/**
 * Builds (does not open) the TypeORM data source for a database URL.
 * SQLite goes through better-sqlite3: TypeORM 1 dropped the `sqlite3` driver, and
 * better-sqlite3 is synchronous, so database work stays off libuv's thread pool,
 * which argon2 and jose's WebCrypto already share.
 */
export function createDataSource(
  db: DatabaseConfig,
  opts: { migrations?: ReadonlyArray<MigrationClass> } = {},
): DataSource {
  const common = {
    entities,
    migrations: [...(opts.migrations ?? migrations)],
    migrationsTableName: 'migrations',
    logging: false,
  };
  if (db.type === 'postgres') {
    return new PostgresDataSource({
      ...common,
      type: 'postgres',
      url: db.url,
      // A stalled database must not hold requests forever.
      connectTimeoutMS: 5000,
      extra: { max: 10, idleTimeoutMillis: 30_000 },
    });
  }
  if (db.path !== ':memory:') fs.mkdirSync(path.dirname(db.path), { recursive: true });
  return new DataSource({
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    // WAL lets readers run beside a writer; the busy timeout makes a second writer wait instead of failing.
    enableWAL: db.path !== ':memory:',
    timeout: 5000,
    prepareDatabase: (conn: Parameters<typeof trackCommits>[0]) => {
      conn.pragma('foreign_keys = ON');
      // WAL defaults to synchronous=NORMAL here, which survives a process crash but may drop the
      // latest commits on power loss. FULL syncs the WAL at every commit, so an answered signup is
      // on disk. The server then moves the fsync off the event loop (src/db/durable-commits.ts):
      // it switches to NORMAL and holds each answer until its commits are synced; anything else
      // that opens the database (the CLI, migrations) keeps FULL.
      conn.pragma('synchronous = FULL');
      // Before any statement is prepared, so that every commit is counted.
      trackCommits(conn);
    },
  });
}

/** Arbitrary, fixed: the PostgreSQL advisory lock that serialises migration runs. */
export const MIGRATION_LOCK_KEY = 7_240_001;

/**
 * On PostgreSQL, instances that start together (or `npm run migrate` beside a starting server)
 * take turns under an advisory lock: the first applies the migrations, the others then find
 * nothing pending instead of racing to CREATE TABLE. The lock is held by a connection of its own
 * and ends with it, even if the process dies. Every caller of runMigrations/undoLastMigration
 * (the server's start, the CLI) goes through it.
 */
class PostgresDataSource extends DataSource {
  private async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = this.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await fn();
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await lock.release();
    }
  }

  override runMigrations(options?: Parameters<DataSource['runMigrations']>[0]) {
    return this.withMigrationLock(() => super.runMigrations(options));
  }

  override undoLastMigration(options?: Parameters<DataSource['undoLastMigration']>[0]) {
    return this.withMigrationLock(() => super.undoLastMigration(options));
  }
}

/** Opens the data source and, unless told not to, applies pending migrations. */
export async function openDatabase(
  db: DatabaseConfig,
  opts: { migrate: boolean; migrations?: ReadonlyArray<MigrationClass> },
): Promise<DataSource> {
  const ds = createDataSource(db, { migrations: opts.migrations });
  await ds.initialize();
  try {
    if (opts.migrate) await ds.runMigrations({ transaction: 'each' });
  } catch (e) {
    await ds.destroy().catch(() => {});
    throw e;
  }
  return ds;
}
