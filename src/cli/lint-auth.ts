import { makeExecutableSchema } from '@graphql-tools/schema';
import { authRequirements } from '../auth/describe.js';
import { findUndecidedRootFields } from '../auth/directive.js';
import { loadTypeDefs, SCHEMA_DIR } from '../schema.js';

/**
 * npm run lint:auth — the deny-by-default check on its own, from the SDL alone (no resolvers,
 * no database): every Query, Mutation and Subscription field must say @auth or @public. It also
 * lists the step-up fields (`@auth(maxAge:)`), so a review sees which ones need a recent sign-in.
 */
const dir = process.argv[2] ?? SCHEMA_DIR;
const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(dir) });
const problems = findUndecidedRootFields(schema);
if (problems.length > 0) {
  process.stderr.write(
    `Every root field must be marked @auth or @public:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
  );
  process.exit(1);
}
process.stdout.write('lint:auth: every root field is marked @auth or @public\n');
const stepUp = Object.entries(authRequirements(schema)).flatMap(([field, req]) =>
  req.auth && req.maxAge !== undefined ? [`  - ${field}: requires ${req.requires}, maxAge ${req.maxAge}s\n`] : [],
);
if (stepUp.length > 0)
  process.stdout.write(`step-up fields (a sign-in at most maxAge seconds old):\n${stepUp.join('')}`);
