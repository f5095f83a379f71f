import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { DataSource } from 'typeorm';
import { createContextFactory, type GraphQLContext, type Services } from './context.js';
import { graphiqlOptions } from './graphiql.js';
import { buildSchema } from './schema.js';

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

/**
 * `GET /ready`: 200 when the database answers, 503 otherwise. Yoga's useReadinessCheck does the same
 * but also runs a URLPattern (a JavaScript polyfill on Node 20) against every request's URL, which
 * cost about 4% of the server's CPU under load; an exact pathname comparison costs nothing.
 */
function readinessCheck(check: () => Promise<boolean>, endpoint = '/ready'): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      return check().then((ready) => endResponse(new fetchAPI.Response(null, { status: ready ? 200 : 503 })));
    },
  };
}

/** The Yoga app: a fetch handler that tests call directly (`yoga.fetch`) and main.ts serves. */
export function createApp({ services, dataSource }: AppDeps) {
  const { config, logger } = services;
  return createYoga<Record<string, unknown>, Omit<GraphQLContext, keyof import('graphql-yoga').YogaInitialContext>>({
    schema: buildSchema(),
    context: createContextFactory(services),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: config.graphiql ? graphiqlOptions() : false,
    // GraphiQL's JavaScript and CSS come inlined from this package: no CDN, works offline. The package
    // is a 9 MB module (about 45 MiB of RSS once parsed), so it is loaded on the first GraphiQL page,
    // not at start, and never in production where GraphiQL is off.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    logging: logger,
    maskedErrors: {
      // Never echo the original error, whatever NODE_ENV says; log it instead.
      maskError(error, message) {
        const masked = maskError(error, message, false);
        if (masked !== error) logger.error('unexpected error', { err: (error as { originalError?: unknown }).originalError ?? error });
        return masked;
      },
    },
    plugins: [
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
