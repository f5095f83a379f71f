import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { assertTokenFieldsMarked } from './auth/credential-fields.js';
import { assertEveryRootFieldDecided, authDirectiveTransformer } from './auth/directive.js';
import type { Resolvers } from './generated/graphql.js';
import { resolvers as defaultResolvers } from './resolvers/index.js';

/** schema/*.graphql: the source of truth that clients and codegen read too. */
export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

/**
 * The executable schema with `@auth` applied. Refuses to build when a root field has neither
 * `@auth` nor `@public`, so an unprotected field cannot ship by mistake, and when a field that
 * returns a token is not marked `@credential` (one per request).
 */
export function buildSchema(opts: { typeDefs?: string[]; resolvers?: Resolvers } = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: opts.typeDefs ?? loadTypeDefs(),
    resolvers: opts.resolvers ?? defaultResolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  assertEveryRootFieldDecided(schema);
  assertTokenFieldsMarked(schema);
  return authDirectiveTransformer(schema);
}
