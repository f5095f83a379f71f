import type { Plugin } from 'graphql-yoga';
import { ErrorCode, requestErrorResponse } from '../errors.js';

/** One non-negative integer: anything else (signs, exponents, `12, 12`) is not a length. */
const CONTENT_LENGTH = /^\d+$/;

/**
 * Refuses request bodies over `maxBytes` before they are read. A body of unknown length
 * (chunked) is refused too: every GraphQL client sends Content-Length for a JSON body.
 *
 * This is the whole body limit: Yoga's own (`maxRequestBodySize`) is switched off in
 * src/server.ts. Node's HTTP parser hands over exactly Content-Length bytes as the body (the
 * rest of the stream is the next request) and refuses Content-Length beside Transfer-Encoding,
 * so a checked Content-Length bounds what is read; Yoga's limit re-checked it by piping every
 * body through a TransformStream and a new Request, about 5-8 % of a small request's CPU.
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
      if (!CONTENT_LENGTH.test(raw) || Number(raw) > maxBytes) {
        endResponse(
          requestErrorResponse(fetchAPI, ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than ${maxBytes} bytes`),
        );
      }
    },
  };
}
