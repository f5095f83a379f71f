/**
 * Whether a token is spelled the one way its bytes allow: three segments of unpadded base64url
 * (RFC 7515 §2, RFC 4648 §5) that decode and re-encode to the same text.
 *
 * jose decodes leniently (Uint8Array.fromBase64 in its "loose" mode): it accepts `=` padding and
 * ignores the unused low bits of a segment's last character. So `<token>=`, or the token with the
 * last signature character's low bits flipped, verified as the same token. One token with many
 * spellings defeats anything keyed by the token's text: the verified-token cache (each spelling
 * costs a signature check and an entry) and any deny-list of token strings.
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
