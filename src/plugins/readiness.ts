import type { Plugin } from 'graphql-yoga';

/**
 * `GET /ready`: 200 when the database answers, 503 otherwise. Yoga's useReadinessCheck does the same
 * but also runs a URLPattern (a JavaScript polyfill on Node 20) against every request's URL, which
 * cost about 4% of the server's CPU under load; an exact pathname comparison costs nothing.
 */
export function readinessCheck(check: () => Promise<boolean>, endpoint = '/ready'): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      return check().then((ready) => endResponse(new fetchAPI.Response(null, { status: ready ? 200 : 503 })));
    },
  };
}
