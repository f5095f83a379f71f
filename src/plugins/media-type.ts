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
      if (request.method !== 'POST' || url.pathname !== endpoint) return;
      // Nothing here decompresses (no zip bombs): a compressed body would be read as raw bytes,
      // and a plain one labelled gzip run as if the label were true. RFC 9110 15.5.16: 415.
      const encoding = request.headers.get('content-encoding');
      if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') {
        endResponse(
          requestErrorResponse(
            fetchAPI,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            `Unsupported Content-Encoding "${encoding.slice(0, 40)}": send the body uncompressed`,
          ),
        );
        return;
      }
      if (isJsonRequest(request)) return;
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
