/**
 * Reading the credential a client presents: `Authorization: Bearer <token>` over HTTP, the same
 * string in a WebSocket's connectionParams. Parsing only; nothing here verifies anything.
 */

// RFC 6750 b64token after a case-insensitive scheme, separated by one or more spaces.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export type Presented = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

const NONE: Presented = Object.freeze({ kind: 'none' });

export function readAuthorization(header: string | null | undefined): Presented {
  // An empty header is what many clients send when logged out (`authorization: token ? ... : ''`).
  if (header === null || header === undefined) return NONE;
  const value = header.trim();
  if (value === '') return NONE;
  const m = BEARER.exec(value);
  return m?.[1] ? { kind: 'token', token: m[1] } : { kind: 'malformed' };
}

/**
 * How many credentials a request carries in `Authorization`. Node keeps only the first of
 * duplicate Authorization headers in `req.headers` (so a forged second one would go unseen, and
 * a proxy that reads the last one would disagree with us); the raw headers have them all. The
 * Fetch API joins duplicates with ", ", which no single RFC 6750 token contains.
 */
export function authorizationCount(request: Request, nodeRequest: { rawHeaders?: string[] } | undefined): number {
  const raw = nodeRequest?.rawHeaders;
  // Every request passes here: count without building arrays.
  let headers = 0;
  if (raw) {
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 13 && name.toLowerCase() === 'authorization') headers++;
    }
  } else if (request.headers.has('authorization')) headers = 1;
  const value = request.headers.get('authorization') ?? '';
  const joined = value.includes(',')
    ? value.split(',').filter((part) => part.trim() !== '').length
    : value.trim() === ''
      ? 0
      : 1;
  return Math.max(headers, joined);
}
