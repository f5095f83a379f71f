import type { Plugin } from 'graphql-yoga';
import { graphiqlPolicy } from '../graphiql.js';

/**
 * Headers on every response:
 * - `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches) unless a route set its
 *   own: answers carry tokens (RFC 6749 §5.1), refresh cookies and per-caller data that no
 *   browser, proxy or CDN may keep. GraphQL over SSE too: Yoga's SSE answer sets `no-cache`
 *   (revalidate, but may be stored), replaced here; the rest of what SSE needs (its content
 *   type, keep-alive, `Content-Encoding: none` so no proxy buffers it to compress) is left as is;
 * - `X-Content-Type-Options: nosniff`, so a JSON answer is never run as a script or page;
 * - `X-Frame-Options: DENY` and, on pages, CSP `frame-ancestors 'none'`: no site may frame us;
 *   the GraphiQL page gets its whole policy (src/graphiql.ts: script hashes, this origin only);
 * - `Referrer-Policy: no-referrer`: URLs are not handed to other sites.
 */
export function useSecurityHeaders(graphqlEndpoint: string): Plugin {
  return {
    onResponse({ request, response }) {
      const h = response.headers;
      const own = h.has('cache-control');
      if (!own || h.get('content-type')?.startsWith('text/event-stream')) {
        // delete first: on headers built from a plain object (as Yoga's SSE answer's are),
        // @whatwg-node/node-fetch's set() adds `cache-control` beside `Cache-Control` and both
        // go out ("no-cache, no-store"); delete() normalises the names first. Only when there is
        // one: every other answer has none, and pays nothing more.
        if (own) h.delete('cache-control');
        h.set('cache-control', 'no-store');
        h.set('pragma', 'no-cache');
      }
      h.set('x-content-type-options', 'nosniff');
      h.set('referrer-policy', 'no-referrer');
      h.set('x-frame-options', 'DENY');
      if (!h.get('content-type')?.startsWith('text/html') || h.has('content-security-policy')) return;
      const graphiql = new URL(request.url).pathname === graphqlEndpoint ? graphiqlPolicy() : undefined;
      // Any other page sets its own policy; without one it may at least not be framed.
      h.set('content-security-policy', graphiql ?? "frame-ancestors 'none'");
    },
  };
}
