import { SignJWT } from 'jose';

/** JWT helpers for tests: forging tokens like the server's, and reading them. */

export const now = () => Math.floor(Date.now() / 1000);

/** The claims the server puts in an access token for `sub`, one hour long. */
export function ourClaims(sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = now();
  return {
    sub,
    ver: 0,
    role: 'USER',
    iss: 'graphql-auth-api',
    aud: 'graphql-auth-api',
    iat,
    exp: iat + 3600,
    ...extra,
  };
}

/**
 * A token like the server's for `sub`, signed with `secret`; only what the test names is off
 * (a claim set to undefined is left out, as JSON drops it).
 */
export function forge(
  secret: string | Uint8Array,
  sub: string,
  extra: Record<string, unknown> = {},
  opts: { alg?: string; header?: Record<string, unknown> } = {},
): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(ourClaims(sub, extra))
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT', ...opts.header })
    .sign(key);
}

export function decodeJwt(token: string): { header: Record<string, any>; claims: Record<string, any> } {
  const [h, c] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c!, 'base64url').toString()),
  };
}

/**
 * `token` with one character of its signature's first half changed: always a different signature.
 * (Changing the last characters is not: they carry base64url padding bits, and `xx` for the last
 * two gave the same ES256 signature 12 times in 3,000.)
 */
export function tamperSignature(token: string): string {
  const at = token.lastIndexOf('.') + 4;
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Other spellings of the same bytes for segment `which` (0 header, 1 payload, 2 signature) of
 * `token`: its last character with each combination of its unused low bits set (base64url of n
 * bytes leaves 2 or 4 bits over when n is not a multiple of 3), and for the last segment, `=`
 * padding appended. A lenient decoder reads every one of them as the original.
 */
export function respellings(token: string, which: 0 | 1 | 2 = 2): string[] {
  const parts = token.split('.');
  const segment = parts[which]!;
  const spare = (segment.length * 6) % 8;
  const last = BASE64URL.indexOf(segment.at(-1)!);
  const out: string[] = [];
  for (let mask = 1; mask < 1 << spare; mask++) {
    const copy = [...parts];
    copy[which] = segment.slice(0, -1) + BASE64URL[last ^ mask];
    out.push(copy.join('.'));
  }
  if (which === 2) out.push(`${token}=`, `${token}==`);
  return out;
}
