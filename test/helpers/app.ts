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
import { createTestDatabase, dbKind, type DbKind } from './db.js';

export interface GqlResult<T = Record<string, any>> {
  status: number;
  body: { data?: T | null; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }> };
  /** extensions.code of the first error, or null. */
  code: string | null;
  headers: Headers;
}

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
  /** POST /graphql through yoga.fetch. `token` becomes `Authorization: Bearer <token>`. */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { token?: string; headers?: Record<string, string> },
  ): Promise<GqlResult<T>>;
  /** Signs up a fresh account; returns its token and id. */
  signup(
    overrides?: Partial<{ name: string; email: string; password: string }>,
  ): Promise<{ token: string; id: string; email: string; password: string }>;
  close(): Promise<void>;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

export const SIGNUP = /* GraphQL */ `
  mutation Signup($input: SignupInput!) {
    signup(input: $input) { token user { id name email role } }
  }
`;
export const LOGIN = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { token user { id email role } }
  }
`;
export const ME = /* GraphQL */ `{ me { id name email role } }`;

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
      ...env,
    });
    dataSource = await openDatabase(config.database, { migrate: opts.migrate ?? true });
  } catch (e) {
    // A failed start must not leave a PostgreSQL database behind.
    await db.drop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const services = await createServices(config, dataSource, opts.logger ?? silentLogger);
  const yoga = createApp({ services, dataSource });

  const gql: TestApp['gql'] = async (query, variables, o = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResult['body'];
    return {
      status: res.status,
      body,
      code: body.errors?.[0]?.extensions?.code ?? null,
      headers: res.headers,
    } as never;
  };

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
    gql,
    async signup(overrides = {}) {
      const input = { name: 'Test User', email: uniqueEmail(), password: 'correct horse battery', ...overrides };
      const res = await gql<{ signup: { token: string; user: { id: string } } }>(SIGNUP, { input });
      if (!res.body.data?.signup) throw new Error(`signup failed: ${JSON.stringify(res.body)}`);
      return {
        token: res.body.data.signup.token,
        id: res.body.data.signup.user.id,
        email: input.email,
        password: input.password,
      };
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Makes an existing account ADMIN the way the CLI does, and returns a fresh token for it. */
export async function makeAdmin(app: TestApp, id: string): Promise<string> {
  const user = await app.services.users.update(id, { role: 'ADMIN', bumpTokenVersion: true });
  return app.services.tokens.sign(user!);
}

export function decodeJwt(token: string): { header: Record<string, any>; claims: Record<string, any> } {
  const [h, c] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c!, 'base64url').toString()),
  };
}
