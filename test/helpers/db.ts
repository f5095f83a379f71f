import os from 'node:os';
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/**
 * Which database this vitest project runs on. vitest.config.ts sets TEST_DB per project:
 * `sqlite` always, `postgres` only when TEST_DATABASE_URL is set.
 */
export type DbKind = 'sqlite' | 'postgres';

export const dbKind: DbKind = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** The PostgreSQL server the suite may use (a database on it we may CREATE DATABASE from), or undefined. */
export const postgresUrl: string | undefined = process.env.TEST_DATABASE_URL?.trim() || undefined;

/** A short reason to put in the name of a test that needs PostgreSQL, so a skip says why. */
export const NEEDS_POSTGRES = postgresUrl
  ? '(PostgreSQL)'
  : '(PostgreSQL: SKIPPED, set TEST_DATABASE_URL=postgres://... to run)';

if (dbKind === 'postgres' && !postgresUrl) {
  throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL');
}

export interface TestDatabase {
  kind: DbKind;
  /** A DATABASE_URL for the server: `sqlite:<file>` or `postgres://.../<fresh database>`. */
  url: string;
  /** Drops the database (PostgreSQL; SQLite files go with their temp folder). */
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty PostgreSQL database on TEST_DATABASE_URL's server, named after that database
 * plus a random suffix (so CI can drop leftovers of its run by prefix). Its sessions use a
 * non-UTC time zone on purpose: timestamps must come back as the same instant anyway.
 */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const base = new URL(postgresUrl);
  const prefix = (decodeURIComponent(base.pathname.slice(1)) || 'test').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  const name = `${prefix}_t${randomBytes(5).toString('hex')}`;
  await admin(async (c) => {
    // template0: never connected to, so parallel files cannot trip over "source database is being accessed".
    await c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
    await c.query(`ALTER DATABASE "${name}" SET timezone TO 'America/New_York'`);
  });
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    kind: 'postgres',
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A database of this project's kind: a new SQLite file in `dir`, or a fresh PostgreSQL database. */
export async function createTestDatabase(dir: string, kind: DbKind = dbKind): Promise<TestDatabase> {
  if (kind === 'postgres') return createPostgresDatabase();
  return { kind: 'sqlite', url: `sqlite:${path.join(dir, 'test.sqlite')}`, drop: async () => {} };
}

/**
 * For one test file: a temp folder and a database of this project's kind, created before its
 * tests and dropped after them. Read `.db` and `.dir` inside tests (they exist once beforeAll ran).
 */
export function databasePerFile(label: string): { readonly db: TestDatabase; readonly dir: string } {
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `gql-auth-${label}-`));
    db = await createTestDatabase(dir);
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get db() {
      if (!db) throw new Error('databasePerFile: read .db inside a test, after beforeAll');
      return db;
    },
    get dir() {
      if (!dir) throw new Error('databasePerFile: read .dir inside a test, after beforeAll');
      return dir;
    },
  };
}

/** Ends every session on a PostgreSQL database and drops it: "the database is gone". */
export async function dropPostgresDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
