import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase } from '../../src/db/data-source.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { createApp, type App } from '../../src/server.js';
import { createServices } from '../../src/services.js';
import type { Services } from '../../src/services.js';
import { type GraphQLTestClient, inProcessClient } from './client.js';
import { createTestDatabase, dbKind, type DbKind } from './db.js';

// The shared client's names, for the tests that import them from here.
export { type GqlResult, LOGIN, ME, SIGNUP, uniqueEmail } from './client.js';
export { decodeJwt } from './jwt.js';

export interface TestApp {
  yoga: App;
  services: Services;
  dataSource: DataSource;
  config: Config;
  secret: string;
  dir: string;
  /** The database this app runs on, and its DATABASE_URL (hand it to a spawned server or the CLI). */
  dbKind: DbKind;
  databaseUrl: string;
  /**
   * Raw SQL on the app's database, written with `?` placeholders (SQLite's); they become $1, $2...
   * on PostgreSQL, so one query serves both projects.
   */
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** POST /graphql through yoga.fetch (the shared client of helpers/client.ts). */
  gql: GraphQLTestClient['gql'];
  /** Signs up a fresh account; returns its credentials and tokens. */
  signup: GraphQLTestClient['signup'];
  login: GraphQLTestClient['login'];
  close(): Promise<void>;
}

/**
 * The app on a fresh database of this vitest project's kind (TEST_DB): a new SQLite file in its
 * own temp folder, or a new PostgreSQL database dropped again by close(). Migrated as at a real
 * start. `opts.database` uses an existing DATABASE_URL instead (not dropped by close()).
 */
export async function createTestApp(
  env: Record<string, string> = {},
  opts: { logger?: Logger; database?: string; migrate?: boolean } = {},
): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gql-auth-test-'));
  const secret = randomBytes(48).toString('base64url');
  const db = opts.database
    ? {
        kind: (opts.database.startsWith('sqlite:') ? 'sqlite' : 'postgres') as DbKind,
        url: opts.database,
        drop: async () => {},
      }
    : await createTestDatabase(dir, dbKind);
  let config: Config;
  let dataSource: DataSource;
  try {
    config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: secret,
      DATA_DIR: dir,
      DATABASE_URL: db.url,
      // In-process requests have no socket, so every request of a test app comes from one client
      // address ('unknown'): the per-address signup limit would stop test files that make many
      // accounts. Tests of that limit set it (test/signup-throttle.test.ts).
      SIGNUP_MAX_PER_ADDRESS: '1000000',
      ...env,
    });
    dataSource = await openDatabase(config.database, { migrate: opts.migrate ?? true });
  } catch (e) {
    // A failed start must not leave a PostgreSQL database behind.
    await db.drop().catch(() => {});
    removeDir(dir);
    throw e;
  }
  const services = await createServices(config, dataSource, opts.logger ?? silentLogger);
  const yoga = createApp({ services, dataSource });

  const client = inProcessClient(yoga);

  return {
    yoga,
    services,
    dataSource,
    config,
    secret,
    dir,
    dbKind: db.kind,
    databaseUrl: db.url,
    query(sql, params) {
      let n = 0;
      const text = db.kind === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
      return dataSource.query(text, params);
    },
    gql: client.gql,
    signup: client.signup,
    login: client.login,
    async close() {
      // Work the test did not wait for (a mail written to DATA_DIR/mail after a signup, a security
      // event) finishes first: it needs the database, and it may still be creating files in `dir`.
      await services.background.idle(2000);
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
      removeDir(dir);
    },
  };
}

/**
 * Makes an existing account ADMIN the way the CLI does, and returns a fresh token for it: as if it
 * had just signed in again with its password (auth_time now, amr ["pwd"]).
 */
export async function makeAdmin(app: TestApp, id: string): Promise<string> {
  const user = await app.services.users.update(id, { role: 'ADMIN', bumpTokenVersion: true });
  return app.services.tokens.sign(user!, { authTime: Math.floor(Date.now() / 1000), amr: ['pwd'] });
}

/**
 * A test's temp folder, removed; with retries, as Node documents for ENOTEMPTY and EBUSY (a file
 * created while the recursive removal runs: Node 22 then fails where 26 retries by itself).
 */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}
