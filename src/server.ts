import { useCookies } from '@whatwg-node/server-plugin-cookies';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import type { DataSource } from 'typeorm';
import { createContextFactory, type GraphQLContext } from './context.js';
import type { Services } from './services.js';
import { graphiqlOptions, renderGraphiQLWithLogin } from './graphiql.js';
import { describeAuth } from './auth/describe.js';
import { useBodyLimit } from './plugins/body-limit.js';
import { corsFor } from './plugins/cors.js';
import { useCsrfPrevention } from './plugins/csrf.js';
import { useDurableCommits } from './plugins/durable-commits.js';
import { useErrorCodes } from './plugins/error-codes.js';
import { useErrorHygiene } from './plugins/error-hygiene.js';
import { useLinkPages } from './pages/link-pages.js';
import { useGraphQLLimits } from './plugins/graphql-limits.js';
import { useLastResortErrors } from './plugins/last-resort.js';
import { useCanonicalEndpoint } from './plugins/canonical-endpoint.js';
import { useMediaTypeErrors } from './plugins/media-type.js';
import { useOneAuthorization } from './plugins/one-authorization.js';
import { readinessCheck } from './plugins/readiness.js';
import { useRequestId } from './plugins/request-id.js';
import { wellKnown } from './plugins/well-known.js';
import { useSecurityHeaders } from './plugins/security-headers.js';
import { buildSchema } from './schema.js';
import { useMetricsEndpoint } from './metrics/endpoint.js';
import { yogaLogger } from './yoga-logger.js';

export interface AppDeps {
  services: Services;
  dataSource: DataSource;
}

function disableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** The Yoga app: a fetch handler that tests call directly (`yoga.fetch`) and start.ts serves. */
export function createApp({ services, dataSource }: AppDeps) {
  const { config, logger } = services;
  // Errors maskError has logged, so the Yoga logger does not log them twice.
  const reported = new WeakSet<object>();
  return createYoga<Record<string, unknown>, Omit<GraphQLContext, keyof YogaInitialContext>>({
    // Each field's @auth/@public also spelled out in its description: introspection omits directives.
    schema: describeAuth(buildSchema()),
    context: createContextFactory(services),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // The body limit is useBodyLimit's (a checked Content-Length, which Node's parser enforces);
    // Yoga's would pipe every body through a TransformStream to count it again.
    maxRequestBodySize: false,
    cors: corsFor(config),
    graphiql: config.graphiql ? graphiqlOptions() : false,
    // GraphiQL's JavaScript and CSS come inlined (@graphql-yoga/render-graphiql): no CDN, works offline.
    // The wrapper adds the script that keeps the token from login/signup, and loads the 9 MB renderer
    // on the first GraphiQL page rather than at start (src/graphiql.ts).
    renderGraphiQL: renderGraphiQLWithLogin,
    logging: yogaLogger(logger, reported),
    maskedErrors: {
      // Never echo the original error, whatever NODE_ENV says; log it instead.
      maskError(error, message) {
        const masked = maskError(error, message, false);
        if (masked !== error) {
          logger.error('unexpected error', { err: (error as { originalError?: unknown }).originalError ?? error });
          // Yoga reports the same error again (to `logging`); once is enough.
          if (typeof error === 'object' && error !== null) reported.add(error);
        }
        return masked;
      },
    },
    plugins: [
      // First: an answer that committed waits for its fsync, and the request line below counts it.
      ...(services.durableCommits ? [useDurableCommits(services.durableCommits)] : []),
      useRequestId({ logger }),
      // A failure outside execution is answered as a masked error, not as its stack (last-resort.ts).
      useLastResortErrors(logger),
      useSecurityHeaders('/graphql'),
      // Nothing at all when metrics are off: the plugin hooks every request and every phase.
      ...(services.metrics.yogaPlugin ? [services.metrics.yogaPlugin] : []),
      ...(config.metrics.token ? [useMetricsEndpoint(services.metrics, config.metrics.token)] : []),
      useCanonicalEndpoint('/graphql'),
      useBodyLimit(config.limits.maxBodyBytes),
      useOneAuthorization(),
      useMediaTypeErrors('/graphql'),
      // The pages mailed links open (src/pages/link-pages.ts).
      useLinkPages(config.mail.productName),
      // GET requests (queries only) must carry a custom header, forcing a CORS preflight; POSTs are
      // JSON-only (useMediaTypeErrors), which no cross-site form can send.
      useCsrfPrevention(),
      ...useGraphQLLimits(config),
      // request.cookieStore, for the refresh cookie: only in cookie mode, the one place it is read
      // (src/auth/refresh-transport.ts); elsewhere it would parse every request's Cookie header.
      ...(config.refresh.transport === 'cookie' ? [useCookies()] : []),
      useErrorCodes(),
      // The JWKS and discovery document, for services that verify our tokens (src/auth/keys.ts).
      wellKnown({
        jwks: services.tokens.jwks,
        issuer: config.jwt.issuer,
        maxAge: config.jwt.jwksMaxAge,
      }),
      // No schema hints where introspection is off, no submitted secret in any error, whatever phase.
      useErrorHygiene({ hideSuggestions: !config.introspection }),
      readinessCheck(async () => {
        try {
          await dataSource.query('SELECT 1');
          return true;
        } catch (e) {
          logger.warn('readiness check failed', { err: e });
          return false;
        }
      }),
      ...(config.introspection ? [] : [disableIntrospection()]),
    ],
  });
}

export type App = ReturnType<typeof createApp>;
