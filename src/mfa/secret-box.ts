import { mfaUnavailable } from '../errors.js';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * TOTP secrets encrypted at rest with AES-256-GCM (node:crypto), so a copied database or backup
 * alone does not let anyone compute a user's codes. Stored as `v1.<kid>.<iv>.<ciphertext>.<tag>`
 * (base64url parts): `kid` names the key, so MFA_PREVIOUS_ENCRYPTION_KEYS can still open rows
 * written before a rotation. The user's id is the additional authenticated data: a ciphertext
 * moved onto another user's row fails to decrypt instead of giving that user someone's secret.
 */
export interface SecretBox {
  seal(plaintext: string, userId: string): string;
  /** Throws when the value is malformed, was sealed for another user, or no configured key opens it. */
  open(sealed: string, userId: string): string;
}

const IV_BYTES = 12;

function keyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export function createSecretBox(current: Uint8Array | undefined, previous: Uint8Array[] = []): SecretBox {
  // Without a key (production without MFA_ENCRYPTION_KEY) nothing can be sealed or opened: TOTP is
  // unavailable, and an account that has it on fails closed rather than signing in on a password.
  if (current === undefined) {
    return {
      seal: () => {
        throw mfaUnavailable();
      },
      open: () => {
        throw mfaUnavailable();
      },
    };
  }
  const keys = new Map([current, ...previous].map((k) => [keyId(k), k] as const));
  const currentId = keyId(current);
  return {
    seal(plaintext, userId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(userId, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
      return ['v1', currentId, ...parts].join('.');
    },
    open(sealed, userId) {
      const [version, kid, iv, ciphertext, tag] = sealed.split('.');
      const key = kid === undefined ? undefined : keys.get(kid);
      if (version !== 'v1' || !key || !iv || ciphertext === undefined || !tag) {
        throw new Error('sealed secret: unknown format or key');
      }
      // authTagLength pinned: a shortened tag must not be accepted.
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAAD(Buffer.from(userId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
