import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { readAuthorization } from '../auth/bearer.js';
import type { Metrics } from './metrics.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether `header` is `Bearer <expected>`. Both sides are hashed first so the comparison is
 * constant-time and of equal length whatever was sent: neither the token's bytes nor its length
 * leak through timing.
 */
export function bearerMatches(header: string | null | undefined, expected: string): boolean {
  // The API's own parsing of "Bearer <token>"; the token is compared even when absent or
  // malformed, so those cost what a wrong token does.
  const presented = readAuthorization(header);
  const sent = presented.kind === 'token' ? presented.token : '';
  const ok = timingSafeEqual(digest(sent), digest(expected));
  return ok && presented.kind === 'token';
}

/** The answer to a GET /metrics: 200 with the text format, or why not. */
async function answer(
  metrics: Metrics,
  method: string,
  authorization: string | null | undefined,
  token: string | undefined,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  if (method !== 'GET' && method !== 'HEAD')
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: 'GET only\n' };
  if (token !== undefined) {
    if (!authorization)
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' },
        body: 'Authorization: Bearer <METRICS_TOKEN> required\n',
      };
    if (!bearerMatches(authorization, token))
      return {
        status: 403,
        headers: { 'www-authenticate': 'Bearer realm="metrics", error="invalid_token"', 'content-type': 'text/plain' },
        body: 'Wrong metrics token\n',
      };
  }
  const { contentType, body } = await metrics.scrape();
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
}

/**
 * GET /metrics on the API's own port, for `Authorization: Bearer <METRICS_TOKEN>` only. Installed
 * only when METRICS_TOKEN is set; without it /metrics is an unknown path (404) like any other.
 */
export function useMetricsEndpoint(metrics: Metrics, token: string, endpoint = '/metrics'): Plugin {
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      return answer(metrics, request.method, request.headers.get('authorization'), token).then((r) =>
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : r.body, r)),
      );
    },
  };
}

/**
 * METRICS_PORT: /metrics on a port of its own (by default on 127.0.0.1), for a scraper on the
 * same host or network namespace. It asks for METRICS_TOKEN too when that is set.
 */
export async function listenMetrics(
  metrics: Metrics,
  opts: { port: number; host: string; token: string | undefined },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    answer(metrics, req.method ?? 'GET', req.headers.authorization, opts.token).then(
      (r) => res.writeHead(r.status, r.headers).end(req.method === 'HEAD' ? undefined : r.body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  return server;
}
