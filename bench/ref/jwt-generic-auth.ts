/**
 * Reference 2: the Guild's own stack, @graphql-yoga/plugin-jwt + @envelop/generic-auth, set up the way
 * their documentation shows (inline signing key = the JWT_SECRET string, token from
 * `Authorization: Bearer`, payload in `context.jwt`, generic-auth `protect-granular` on the schema's
 * `@auth` directive, the user taken from the token payload as-is: NO database check).
 *
 * KEY_MODE=keyobject is the one tuning we grant it: the secret handed over as a node:crypto KeyObject
 * made once, instead of a string that jsonwebtoken turns into a key on every request.
 */
import { createSecretKey } from 'node:crypto';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { useGenericAuth, type ResolveUserFn } from '@envelop/generic-auth';
import {
  createInlineSigningKeyProvider,
  extractFromHeader,
  useJWT,
  type GetSigningKeyFunction,
} from '@graphql-yoga/plugin-jwt';
import { createYoga } from 'graphql-yoga';
import { listen, typeDefs } from './common.js';

const secret = process.env.JWT_SECRET;
if (!secret) throw new Error('JWT_SECRET is required');
const keyMode = process.env.KEY_MODE ?? 'string';

function keyObjectProvider(raw: string): GetSigningKeyFunction {
  const key = createSecretKey(Buffer.from(raw, 'utf8'));
  // jsonwebtoken accepts a KeyObject; the plugin's type says string only.
  return () => key as unknown as string;
}

const signingKeyProvider: GetSigningKeyFunction =
  keyMode === 'keyobject' ? keyObjectProvider(secret) : createInlineSigningKeyProvider(secret);

interface JwtUser {
  sub: string;
  role: 'USER' | 'ADMIN';
}

const resolveUserFn: ResolveUserFn<JwtUser, { jwt?: { payload: JwtUser } }> = (context) => context.jwt?.payload ?? null;

const schema = makeExecutableSchema({
  typeDefs,
  resolvers: {
    Query: {
      // The token payload is trusted as-is: no lookup, so a deleted user's token still works here.
      me: (_p: unknown, _a: unknown, ctx: { currentUser: JwtUser }) => ({
        id: ctx.currentUser.sub,
        name: '',
        email: '',
        role: ctx.currentUser.role,
      }),
    },
  },
});

listen(
  createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: false,
    logging: false,
    plugins: [
      useJWT({
        signingKeyProviders: [signingKeyProvider],
        tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
        tokenVerification: {
          issuer: process.env.JWT_ISSUER ?? 'graphql-auth-api',
          audience: process.env.JWT_AUDIENCE ?? 'graphql-auth-api',
          algorithms: ['HS256'],
        },
        extendContext: true,
        // Public fields (login, signup, __typename) must work without a token.
        reject: { missingToken: false, invalidToken: true },
      }),
      useGenericAuth({ resolveUserFn, mode: 'protect-granular', authDirectiveName: 'auth' }),
    ],
  }),
);
