import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { type Logger, withLogContext } from '../logger.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a client (or the proxy in front) may choose as an id: short, printable, no spaces or quotes. */
const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The client's X-Request-Id when it is sane, otherwise a new UUID. */
export function requestIdFor(header: string | null): string {
  const given = header?.trim();
  return given && SANE_ID.test(given) ? given : randomUUID();
}

/**
 * Gives every request an id: taken from X-Request-Id when sane (so a proxy's or a client's id
 * follows the request through), generated otherwise. Every log line written while the request
 * is handled carries it as `requestId`, the response echoes it in X-Request-Id, and one
 * `request` line per request records method, path, status and duration (probes at debug level).
 */
export function useRequestId(opts: { logger: Logger }): Plugin {
  const ids = new WeakMap<Request, { id: string; start: number }>();
  function idOf(request: Request) {
    let entry = ids.get(request);
    if (!entry) {
      entry = { id: requestIdFor(request.headers.get(REQUEST_ID_HEADER)), start: performance.now() };
      ids.set(request, entry);
    }
    return entry;
  }
  return {
    instrumentation: {
      request({ request }, wrapped) {
        return withLogContext({ requestId: idOf(request).id }, wrapped);
      },
    },
    onResponse({ request, response }) {
      const { id, start } = idOf(request);
      response.headers.set(REQUEST_ID_HEADER, id);
      // The ponyfill Request keeps the URL it already parsed; a platform Request (tests) does not.
      const url = (request as { parsedUrl?: URL }).parsedUrl ?? new URL(request.url);
      const probe = url.pathname === '/health' || url.pathname === '/ready';
      opts.logger[probe ? 'debug' : 'info']('request', {
        requestId: id,
        method: request.method,
        path: url.pathname,
        status: response.status,
        ms: Math.round(performance.now() - start),
      });
    },
  };
}
