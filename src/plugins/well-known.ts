import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { Plugin } from 'graphql-yoga';

export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** How long a gateway may keep using the keys it has while this server is unreachable. */
const STALE_IF_ERROR = 86_400;

interface Document {
  body: string;
  etag: string;
}

function document(value: unknown): Document {
  const body = JSON.stringify(value);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** RFC 9110 13.1.2: If-None-Match uses the weak comparison, and `*` matches any current representation. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/**
 * `GET /.well-known/jwks.json` (the public keys that verify our tokens) and
 * `GET /.well-known/openid-configuration` (issuer and jwks_uri, for JWT validators that start
 * from an issuer URL: Spring's issuer-uri, ASP.NET's Authority, express-oauth2-jwt-bearer). The
 * key set is fixed for the process's life, so its body and ETag are computed once; every other
 * request pays one exact pathname comparison per path (see readiness.ts for why not URLPattern).
 */
export function wellKnown(opts: { jwks: { keys: JWK[] }; issuer: string; maxAge: number }): Plugin {
  const jwks = document(opts.jwks);
  const cacheControl = `public, max-age=${opts.maxAge}, stale-if-error=${STALE_IF_ERROR}`;
  // An issuer that is an http(s) URL is where this server is reached (behind whatever proxy), so
  // jwks_uri hangs off it, as OpenID Connect Discovery 1.0 section 4 does, and the document is fixed,
  // cached like the JWKS. APP_URL is not used: it is often a frontend on another origin (it only
  // has to serve the two mailed-link paths), where a validator would find a page, not keys.
  const configuredBase = /^https?:\/\//.test(opts.issuer) ? opts.issuer.replace(/\/+$/, '') : undefined;
  const fixedDiscovery = configuredBase
    ? document({ issuer: opts.issuer, jwks_uri: `${configuredBase}${JWKS_PATH}` })
    : undefined;

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const path = url.pathname;
      if (path !== JWKS_PATH && path !== DISCOVERY_PATH) return;
      const headers: Record<string, string> = {
        'cache-control': cacheControl,
        // Public keys are public: any page or tool may read them.
        'access-control-allow-origin': '*',
        vary: 'Accept-Encoding',
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      let doc = jwks;
      if (path === DISCOVERY_PATH) {
        doc = fixedDiscovery ?? document({ issuer: opts.issuer, jwks_uri: `${url.origin}${JWKS_PATH}` });
        if (!fixedDiscovery) {
          // Built from the request's Host (url.origin; no X-Forwarded-Host is read anywhere), which the
          // client chooses: no shared cache may store it (no-cache would let one, revalidating), and
          // a cache that leaves Host out of its key is told the answer depends on it.
          headers['cache-control'] = 'private, no-store';
          headers.vary = 'Accept-Encoding, Host';
        }
      }
      headers.etag = doc.etag;
      if (matches(request.headers.get('if-none-match'), doc.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      headers['content-type'] = 'application/json; charset=utf-8';
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : doc.body, { status: 200, headers }));
    },
  };
}
