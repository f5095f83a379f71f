import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config.js';
import { RefreshTokenSchema } from './entities/refresh-token.js';
import { UserSchema } from './entities/user.js';
import { migrations } from './migrations/index.js';

export const entities = [UserSchema, RefreshTokenSchema];

/**
 * Builds (does not open) the TypeORM data source for a database URL.
 * SQLite goes through better-sqlite3: TypeORM 1 dropped the `sqlite3` driver, and
 * better-sqlite3 is synchronous, so database work stays off libuv's thread pool,
 * which argon2 and jose's WebCrypto already share.
 */
export function createDataSource(db: DatabaseConfig): DataSource {
  const common = { entities, migrations, migrationsTableName: 'migrations', logging: false } as const;
  if (db.type === 'postgres') {
    return new DataSource({
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
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      conn.pragma('foreign_keys = ON');
    },
  });
}

/** Opens the data source and, unless told not to, applies pending migrations. */
export async function openDatabase(db: DatabaseConfig, opts: { migrate: boolean }): Promise<DataSource> {
  const ds = createDataSource(db);
  await ds.initialize();
  if (opts.migrate) await ds.runMigrations({ transaction: 'each' });
  return ds;
}
