/**
 * Whether a token is spelled the one way its bytes allow: three segments of unpadded base64url
 * (RFC 7515 §2, RFC 4648 §5) that decode and re-encode to the same text.
 *
 * jose decodes leniently (Uint8Array.fromBase64 in its "loose" mode): it accepts `=` padding and
 * ignores the unused low bits of a segment's last character. So `<token>=`, or the token with the
 * last signature character's low bits flipped, verified as the same token. One token with many
 * spellings defeats anything keyed by the token's text: the verified-token cache (each spelling
 * costs a signature check and an entry) and any deny-list of token strings. ES256 has a second
 * source of spellings, in the signature's mathematics rather than its text: see isLowSEs256 below.
 */

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function isCanonicalSegment(segment: string): boolean {
  // The round trip catches what the pattern cannot: a length of 4n+1 (a dangling character,
  // dropped by the decoder) and non-zero padding bits in the last character.
  return SEGMENT.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every(isCanonicalSegment);
}

/**
 * ECDSA's own second spelling. A signature (r, s) verifies exactly as (r, n - s) does, n being the
 * curve's group order, so anyone holding an ES256 token can write a second token string, the same
 * claims under a different valid signature, without any key. Bitcoin (BIP 62/146) and libsecp256k1
 * close this by accepting only the "low-S" half: s <= n/2. We sign low-S (lowSEs256) and refuse the
 * other half (isLowSEs256), so an ES256 token, too, has one spelling. EdDSA (RFC 8032 requires
 * S < L) and RSASSA-PKCS1-v1_5 (deterministic) have no such twin.
 */

/** P-256's group order n (SEC 2, FIPS 186-4 D.1.2.3). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** floor(n / 2), as the 32 big-endian bytes an ES256 signature's `s` is written in. */
const P256_HALF_N = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex');
/** An ES256 JWS signature is r || s, 32 bytes each (RFC 7518 §3.4), not DER. */
const ES256_SIGNATURE_BYTES = 64;

function signatureOf(token: string): Buffer {
  return Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
}

/**
 * Whether an ES256 token's signature is 64 bytes with s <= n/2. Any other is refused: the high-S
 * twin of a valid token, or no P-256 signature at all (which the signature check would refuse too).
 */
export function isLowSEs256(token: string): boolean {
  const signature = signatureOf(token);
  return signature.length === ES256_SIGNATURE_BYTES && Buffer.compare(signature.subarray(32), P256_HALF_N) <= 0;
}

/** An ES256 token as just signed, with its signature's s replaced by n - s when s > n/2. */
export function lowSEs256(token: string): string {
  const signature = signatureOf(token);
  if (signature.length !== ES256_SIGNATURE_BYTES) throw new Error('an ES256 signature is 64 bytes (r || s)');
  const s = signature.subarray(32);
  if (Buffer.compare(s, P256_HALF_N) <= 0) return token;
  // A signature just made has 0 < s < n, so 0 < n - s < n/2: at most 32 bytes, left-padded with zeros.
  const low = (P256_N - BigInt(`0x${s.toString('hex')}`)).toString(16).padStart(64, '0');
  Buffer.from(low, 'hex').copy(signature, 32);
  return `${token.slice(0, token.lastIndexOf('.') + 1)}${signature.toString('base64url')}`;
}
