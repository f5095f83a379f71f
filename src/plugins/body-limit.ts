import type { Plugin } from 'graphql-yoga';
import { jsonError } from '../http/json-error.js';

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
        endResponse(jsonError(fetchAPI, 411, 'Content-Length is required', 'LENGTH_REQUIRED'));
        return;
      }
      const length = Number(raw);
      if (!Number.isFinite(length) || length > maxBytes) {
        endResponse(jsonError(fetchAPI, 413, `Request body is larger than ${maxBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
      }
    },
  };
}
