import { makeExecutableSchema } from '@graphql-tools/schema';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { introspectionFromSchema, lexicographicSortSchema } from 'graphql';
import { authRequirements, describeAuth } from './auth/describe.js';
import { assertEveryRootFieldDecided } from './auth/directive.js';
import { loadTypeDefs } from './schema.js';

/**
 * The schema as published for clients (`npm run schema:print`), from schema/*.graphql:
 *
 * - schema.graphql: the whole SDL, directive definitions, applied directives and descriptions,
 *   each field's auth requirement spelled out in its description;
 * - schema.introspection.json: the same as an introspection result, for tools that want one
 *   (it carries the descriptions, not the applied directives);
 * - schema.auth.json: `Type.field` -> `{ auth, requires }`, the `@auth`/`@public` map.
 *
 * test/published-schema.test.ts fails when the committed files differ from these.
 */
export const PUBLISHED_FILES = {
  sdl: 'schema.graphql',
  introspection: 'schema.introspection.json',
  auth: 'schema.auth.json',
} as const;

export type PublishedSchema = Record<keyof typeof PUBLISHED_FILES, string>;

const HEADER = '# Generated from schema/*.graphql by `npm run schema:print`. Do not edit.\n\n';

export function publishSchema(typeDefs: string[] = loadTypeDefs()): PublishedSchema {
  const source = makeExecutableSchema({ typeDefs });
  assertEveryRootFieldDecided(source);
  const schema = lexicographicSortSchema(describeAuth(source));
  const introspection = introspectionFromSchema(schema, {
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  });
  return {
    sdl: `${HEADER}${printSchemaWithDirectives(schema)}\n`,
    introspection: `${JSON.stringify(introspection, null, 2)}\n`,
    auth: `${JSON.stringify(authRequirements(source), null, 2)}\n`,
  };
}
