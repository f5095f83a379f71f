import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * A frontend's codegen: GraphQL Code Generator's client preset on the API's published schema.
 * `npm run codegen -w @examples/client` rewrites src/gql/; the root `npm test` runs the --check.
 * In your own frontend, point `schema` at your copy of schema.graphql (or at the running
 * server's /graphql: introspection is on outside production).
 */
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // JSON: the WebAuthn options and responses, handed to and from the browser's library as they are.
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
