import type { Plugin } from 'graphql-yoga';
import { authorizationCount } from '../auth/bearer.js';
import { ErrorCode, requestErrorResponse } from '../errors.js';

/**
 * One credential per request. Two Authorization headers (a valid one, then a forged one) or two
 * credentials joined by a comma are ambiguous: which one a proxy, a log or this server believes
 * differs. Refused with 400 before anything runs.
 */
export function useOneAuthorization(): Plugin {
  return {
    onRequest({ request, serverContext, endResponse, fetchAPI }) {
      // Served by node:http (src/start.ts), the server context carries the IncomingMessage as `req`.
      const nodeRequest = (serverContext as { req?: { rawHeaders?: string[] } } | undefined)?.req;
      if (authorizationCount(request, nodeRequest) <= 1) return;
      endResponse(
        requestErrorResponse(
          fetchAPI,
          ErrorCode.AMBIGUOUS_CREDENTIALS,
          'Send exactly one credential: one Authorization header with one "Bearer <token>"',
        ),
      );
    },
  };
}
