import type { Plugin } from 'graphql-yoga';
import { ErrorCode, requestErrorResponse } from '../errors.js';
import { isJsonRequest, mediaTypeOf } from '../http/media-types.js';

/**
 * POSTs must be JSON: a cross-site page can POST a form or text/plain without a CORS preflight,
 * never JSON. Yoga answers a body it cannot parse with a bare 415 and no body; clients deserve
 * the same JSON error shape as everything else, with a code they can act on.
 */
export function useMediaTypeErrors(endpoint: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'POST' || url.pathname !== endpoint || isJsonRequest(request)) return;
      endResponse(
        requestErrorResponse(
          fetchAPI,
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          `Unsupported Content-Type "${mediaTypeOf(request) || '(none)'}": send application/json`,
        ),
      );
    },
  };
}
