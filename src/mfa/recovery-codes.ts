import { createHash, randomInt } from 'node:crypto';

/**
 * Recovery codes: the way in when the authenticator is lost. Each is 16 characters of base32
 * (80 random bits), shown as xxxx-xxxx-xxxx-xxxx. That is enough entropy that a plain SHA-256
 * is a safe stored form (no offline guessing of a leaked table), and a lookup by hash needs no
 * slow per-row comparison. Single use: a used code is marked, never accepted again.
 */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const LENGTH = 16;

function one(): string {
  let s = '';
  for (let i = 0; i < LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s.match(/.{4}/g)!.join('-');
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, one);
}

/** Case, spaces and dashes do not matter when typing one back. Null when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const s = input.toLowerCase().replace(/[\s-]/g, '');
  return s.length === LENGTH && [...s].every((c) => ALPHABET.includes(c)) ? s : null;
}

/** The stored form: SHA-256 hex of the normalised code. */
export function hashRecoveryCode(normalized: string): string {
  return createHash('sha256').update(normalized).digest('hex');
}
