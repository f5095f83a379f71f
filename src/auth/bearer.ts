/**
 * Reading the credential a client presents: `Authorization: Bearer <token>` over HTTP, the same
 * string in a WebSocket's connectionParams. Parsing only; nothing here verifies anything.
 */

// RFC 6750 b64token after a case-insensitive scheme, separated by one or more spaces.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export type Presented = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

export function readAuthorization(header: string | null | undefined): Presented {
  // An empty header is what many clients send when logged out (`authorization: token ? ... : ''`).
  if (header === null || header === undefined || header.trim() === '') return { kind: 'none' };
  const m = BEARER.exec(header.trim());
  return m?.[1] ? { kind: 'token', token: m[1] } : { kind: 'malformed' };
}
