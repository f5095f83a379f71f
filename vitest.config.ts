import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

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
  },
});
