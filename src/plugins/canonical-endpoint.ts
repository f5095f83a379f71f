import type { Plugin } from 'graphql-yoga';
import { ErrorCode, requestErrorResponse } from '../errors.js';

/**
 * Yoga serves GraphQL at every URL that ends with its endpoint: `/graphql/`, `//graphql`,
 * `/any/prefix/graphql`, even `/?next=/graphql`. Our own path checks (the media-type rule, the
 * GraphiQL page's CSP) and a proxy's rules compare the exact path, so each of those spellings
 * would pass beside them. Only the exact path is the API; the others answer 404 with a code.
 * The API's own requests pay one string comparison.
 */
export function useCanonicalEndpoint(endpoint: string): Plugin {
  const withSlash = `${endpoint}/`;
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === endpoint) return;
      // Yoga's own test (use-unhandled-route.js): what it would route to GraphQL.
      const routed = request.url.endsWith(endpoint) || request.url.endsWith(withSlash) || url.pathname === withSlash;
      if (!routed) return;
      endResponse(
        requestErrorResponse(fetchAPI, ErrorCode.NOT_FOUND, `Not found: the GraphQL endpoint is ${endpoint}`),
      );
    },
  };
}
