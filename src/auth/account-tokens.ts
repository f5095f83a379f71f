import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccountTokenStore } from '../db/account-token-store.js';
import type { AccountTokenEntity, AccountTokenPurpose } from '../db/entities/account-token.js';
import type { TokenRefusal } from '../errors.js';

/**
 * The tokens in mailed links (password reset, address verification, e-mail change).
 * 256 random bits as base64url: unguessable, so a plain SHA-256 (no salt, no slow hash) is the
 * right way to store them; a slow hash only helps against guessing low-entropy secrets.
 */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export class AccountTokenError extends Error {
  constructor(readonly reason: TokenRefusal) {
    super(reason);
    this.name = 'AccountTokenError';
  }
}

export function hashAccountToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface IssuedToken {
  token: string;
  id: string;
  expiresAt: Date;
}

export interface AccountTokens {
  readonly store: AccountTokenStore;
  issue(input: {
    userId: string;
    purpose: AccountTokenPurpose;
    email: string;
    ttlSeconds: number;
  }): Promise<IssuedToken>;
  /**
   * The live token row for `token`, of one of `purposes`; throws AccountTokenError with the reason
   * otherwise. Does not spend it: `store.consume` does that inside the change's transaction.
   */
  find(token: string, purposes: AccountTokenPurpose[]): Promise<AccountTokenEntity>;
}

export function createAccountTokens(store: AccountTokenStore): AccountTokens {
  return {
    store,

    async issue({ userId, purpose, email, ttlSeconds }) {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      const row = await store.create({
        userId,
        purpose,
        email,
        tokenHash: hashAccountToken(token).toString('hex'),
        expiresAt,
      });
      return { token, id: row.id, expiresAt };
    },

    async find(token, purposes) {
      if (!TOKEN_FORMAT.test(token)) throw new AccountTokenError('TOKEN_INVALID');
      const hash = hashAccountToken(token);
      const row = await store.findByHash(hash.toString('hex'));
      // The lookup is by an index on the hash; the final comparison is constant-time anyway, so no
      // code path compares secret bytes with an early exit.
      if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), hash) || !purposes.includes(row.purpose))
        throw new AccountTokenError('TOKEN_INVALID');
      if (row.usedAt) throw new AccountTokenError('TOKEN_USED');
      if (row.revokedAt) throw new AccountTokenError('TOKEN_REPLACED');
      if (row.expiresAt.getTime() <= Date.now()) throw new AccountTokenError('TOKEN_EXPIRED');
      return row;
    },
  };
}
