import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Every test file runs once per database: SQLite always, PostgreSQL when TEST_DATABASE_URL names
// a server the suite may create databases on (each test app gets its own, dropped afterwards).
const postgres = Boolean(process.env.TEST_DATABASE_URL?.trim());
if (!postgres && !process.env.VITEST_WORKER_ID && !process.env.PG_SKIP_NOTED) {
  process.env.PG_SKIP_NOTED = '1';
  console.log(
    '\n  PostgreSQL tests SKIPPED: TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test).\n',
  );
}

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node, and so Yoga, loads the CJS build; vite
    // would pick the ESM one for our code. Two copies break `instanceof GraphQLError` and every
    // error gets masked, so point ours at the copy Node uses, as it does in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // better-sqlite3 is a native addon: separate processes keep each file's database handle apart.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real argon2 parameters in every test; two files at a time suit a 2-core machine.
    maxWorkers: 2,
    // A developer's .env must not leak into the tests, or the CLIs they run.
    env: { ENV_FILE: '/dev/null' },
    projects: [
      // A time zone other than UTC, so a timestamp stored or read in local time shows up as wrong.
      { extends: true, test: { name: 'sqlite', env: { TEST_DB: 'sqlite', TZ: 'Asia/Kolkata' } } },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                env: { TEST_DB: 'postgres', TZ: 'Asia/Kolkata' },
                // Files that never open the test database (config, hashing, published files) or that
                // run their own SQLite server processes (attacks, browsers, clients) would only run twice.
                exclude: [
                  'test/security/**',
                  'test/browser/**',
                  'examples/**',
                  'test/config.test.ts',
                  'test/key-config.test.ts',
                  'test/signing-keys-server.test.ts',
                  'test/password.test.ts',
                  'test/http.test.ts',
                  'test/published-schema.test.ts',
                  'test/graphiql-page.test.ts',
                  'test/mail-production.test.ts',
                  '**/node_modules/**',
                ],
              },
            },
          ]
        : []),
    ],
  },
});
