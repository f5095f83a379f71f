/**
 * Judging a JWT_SECRET by what it is, not by a list of placeholders: lists miss
 * `changemechangemechangemechangeme`, `secretsecret...` and every placeholder with a space in
 * front. An HMAC key should be random bytes; these checks refuse what plainly is not, and say
 * how to make one that is.
 */

/** HS256 keys should carry at least the hash's 256 bits (RFC 7518 §3.2); half that estimated is the floor. */
export const MIN_SECRET_BITS = 128;
const MIN_DISTINCT = 10;
/** Runs this long that occurred earlier count as repetition. */
const REPEAT_RUN = 4;
const MAX_REPEATED_SHARE = 0.25;
/** Only the first characters are analysed: enough to judge, bounded work. */
const ANALYSED = 1024;

export const HOW_TO_MAKE_ONE = 'generate one with: JWT_SECRET="$(openssl rand -base64 48)"';

/** Characters that repeat a run of REPEAT_RUN or more seen earlier in the string. */
export function repeatedCharacters(chars: readonly string[]): number {
  let repeated = 0;
  for (let i = 0; i < chars.length; ) {
    let longest = 0;
    for (let j = 0; j < i; j++) {
      let k = 0;
      while (i + k < chars.length && chars[j + k] === chars[i + k]) k++;
      if (k > longest) longest = k;
    }
    if (longest >= REPEAT_RUN) {
      repeated += longest;
      i += longest;
    } else i += 1;
  }
  return repeated;
}

/** Runs of five or more lower-case letters read as words: text people type, not random characters. */
const WORD = /[a-z]{5,}/g;
/** Shannon's estimate for English text, per letter. */
const WORD_BITS_PER_LETTER = 2;

/**
 * Estimated bits: each character is worth the Shannon entropy of the secret's own character
 * distribution (Miller-Madow corrected), except letters inside words (2 bits each, as English text) and characters that
 * repeat an earlier run (nothing). A random base64 secret of 48 bytes scores about 320;
 * `openssl rand -hex 32` about 240; `your-256-bit-secret-for-production` under 100.
 */
export function estimatedBits(chars: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shannon = 0;
  for (const n of counts.values()) shannon -= (n / chars.length) * Math.log2(n / chars.length);
  // A short sample underestimates its source's entropy; Miller-Madow corrects most of the bias.
  const perChar = shannon + (counts.size - 1) / (2 * chars.length * Math.LN2);
  const text = chars.join('');
  let wordLetters = 0;
  for (const m of text.matchAll(WORD)) wordLetters += [...m[0]].length;
  const repeated = repeatedCharacters(chars);
  const other = Math.max(0, chars.length - wordLetters - repeated);
  return other * perChar + Math.max(0, wordLetters - repeated) * Math.min(perChar, WORD_BITS_PER_LETTER);
}

/** Why `secret` is no key, or null when it looks random enough. Never repeats the secret. */
export function secretWeakness(secret: string): string | null {
  if (secret !== secret.trim()) return 'it starts or ends with whitespace (a copy-paste slip or a placeholder)';
  const chars = [...secret].slice(0, ANALYSED);
  if (new Set(chars).size < MIN_DISTINCT) return `it has fewer than ${MIN_DISTINCT} distinct characters`;
  const repeated = repeatedCharacters(chars);
  if (repeated > chars.length * MAX_REPEATED_SHARE) return 'it repeats itself';
  const bits = estimatedBits(chars);
  if (bits < MIN_SECRET_BITS)
    return `it looks like about ${Math.floor(bits)} bits of randomness; at least ${MIN_SECRET_BITS} are needed`;
  return null;
}

/** A token that plainly is not random (few distinct characters, or mostly repetition); length is checked elsewhere. */
export function looksLikePlaceholder(token: string): boolean {
  const chars = [...token].slice(0, ANALYSED);
  return new Set(chars).size < MIN_DISTINCT || repeatedCharacters(chars) > chars.length * MAX_REPEATED_SHARE;
}
