import { makeExecutableSchema } from '@graphql-tools/schema';
import { findUndecidedRootFields } from '../auth/directive.js';
import { loadTypeDefs, SCHEMA_DIR } from '../schema.js';

/**
 * npm run lint:auth — the deny-by-default check on its own, from the SDL alone (no resolvers,
 * no database): every Query, Mutation and Subscription field must say @auth or @public.
 */
const dir = process.argv[2] ?? SCHEMA_DIR;
const problems = findUndecidedRootFields(makeExecutableSchema({ typeDefs: loadTypeDefs(dir) }));
if (problems.length > 0) {
  process.stderr.write(
    `Every root field must be marked @auth or @public:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
  );
  process.exit(1);
}
process.stdout.write('lint:auth: every root field is marked @auth or @public\n');
