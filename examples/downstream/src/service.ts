import { createRemoteJwksSigningKeyProvider, extractFromHeader, useJWT } from '@graphql-yoga/plugin-jwt';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

/**
 * A second service (think: a federated subgraph, an internal API) that trusts the auth API's access
 * tokens knowing only its JWKS URL, issuer and audience. It holds no secret: whoever can read the
 * JWKS can verify, only the auth API can sign.
 *
 * Two ways to verify, both libraries people reach for:
 * - `jose`: `createRemoteJWKSet` + `jwtVerify`, for every algorithm the API signs with
 *   (EdDSA, ES256, RS256).
 * - `plugin-jwt`: `@graphql-yoga/plugin-jwt` with its remote JWKS provider (jwks-rsa), which
 *   verifies through jsonwebtoken: ES256 and RS256 only, as jsonwebtoken has no EdDSA.
 *
 * What it cannot know: a token the auth API revoked (logoutAll, password change) stays valid here
 * until it expires. Keep JWT_EXPIRES_IN short when other services trust the tokens, or ask the
 * API (`me`) where revocation must count at once.
 */
export interface DownstreamOptions {
  /** e.g. https://auth.example.com/.well-known/jwks.json */
  jwksUrl: string;
  /** The auth API's JWT_ISSUER and JWT_AUDIENCE. */
  issuer: string;
  audience: string;
  verifier: 'jose' | 'plugin-jwt';
  /** Yoga's logger (plugin-jwt reports each refusal there). @default true */
  logging?: boolean;
}

export type Verifier = DownstreamOptions['verifier'];

/** Asymmetric only: an HS256 token could only be checked with the secret, which we never hold. */
const JOSE_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'];
const JSONWEBTOKEN_ALGORITHMS = ['ES256', 'RS256'] as const;

type Context = Record<string, unknown> & {
  /** The verified claims, or undefined for a request without a token. */
  claims?: JWTPayload;
};

function unauthenticated(message = 'Authentication required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

const typeDefs = /* GraphQL */ `
  type Viewer {
    "The caller's user id at the auth API (the token's sub)."
    id: ID!
    "The role the token was issued with."
    role: String
    "Seconds since the epoch when the token expires."
    expiresAt: Int!
  }
  type Query {
    "Needs a valid access token from the auth API."
    viewer: Viewer!
    "Public."
    ping: String!
  }
`;

function schema() {
  return createSchema<Context>({
    typeDefs,
    resolvers: {
      Query: {
        ping: () => 'pong',
        viewer: (_parent, _args, { claims }) => {
          if (!claims || typeof claims.sub !== 'string') throw unauthenticated();
          return { id: claims.sub, role: claims.role ?? null, expiresAt: claims.exp };
        },
      },
    },
  });
}

/** jose: the key set is fetched on first use, cached, and refetched on an unknown kid (at most every 30 s). */
function useJoseVerification(opts: DownstreamOptions): Plugin<Context> {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  return {
    async onContextBuilding({ context, extendContext }) {
      const header = context.request.headers.get('authorization');
      if (!header) return;
      const m = /^Bearer +(\S+)$/i.exec(header);
      if (!m?.[1]) throw unauthenticated('Malformed Authorization header');
      try {
        const { payload } = await jwtVerify(m[1], jwks, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: JOSE_ALGORITHMS,
          typ: 'JWT',
          requiredClaims: ['exp', 'sub'],
        });
        extendContext({ claims: payload });
      } catch {
        throw unauthenticated('Invalid token');
      }
    },
  };
}

/** @graphql-yoga/plugin-jwt puts `{ payload, token }` under context.jwt; we read the payload from there. */
function usePluginJwtVerification(opts: DownstreamOptions): Plugin<Context>[] {
  return [
    useJWT({
      signingKeyProviders: [
        createRemoteJwksSigningKeyProvider({ jwksUri: opts.jwksUrl, cache: true, rateLimit: true }),
      ],
      tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
      tokenVerification: {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: [...JSONWEBTOKEN_ALGORITHMS],
      },
      reject: { missingToken: false, invalidToken: true },
      extendContext: 'jwt',
    }) as Plugin<Context>,
    {
      onContextBuilding({ context, extendContext }) {
        const jwt = (context as { jwt?: { payload?: JWTPayload } }).jwt;
        if (jwt?.payload) extendContext({ claims: jwt.payload });
      },
    },
  ];
}

export function createDownstream(opts: DownstreamOptions) {
  return createYoga<Record<string, unknown>, Context>({
    schema: schema(),
    landingPage: false,
    graphiql: false,
    logging: opts.logging ?? true,
    plugins: opts.verifier === 'jose' ? [useJoseVerification(opts)] : usePluginJwtVerification(opts),
  });
}
