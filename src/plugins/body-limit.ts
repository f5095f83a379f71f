import type { Plugin } from 'graphql-yoga';
import { ErrorCode, requestErrorResponse } from '../errors.js';

/**
 * Refuses request bodies over `maxBytes` before they are read. A body of unknown length
 * (chunked) is refused too: every GraphQL client sends Content-Length for a JSON body.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const raw = request.headers.get('content-length');
      if (raw === null) {
        endResponse(requestErrorResponse(fetchAPI, ErrorCode.LENGTH_REQUIRED, 'Content-Length is required'));
        return;
      }
      const length = Number(raw);
      if (!Number.isFinite(length) || length > maxBytes) {
        endResponse(
          requestErrorResponse(fetchAPI, ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than ${maxBytes} bytes`),
        );
      }
    },
  };
}
