import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { RefreshTokenStore } from '../db/refresh-token-store.js';
import type { Logger } from '../logger.js';

/** Why a refresh token was refused; the client sees one message, the log sees the reason. */
export type RefreshProblem = 'unknown' | 'expired' | 'revoked' | 'reused';

export class RefreshTokenError extends Error {
  constructor(
    readonly problem: RefreshProblem,
    /**
     * On reuse: whose family was revoked, so the caller can end its session and log it.
     * `concurrent`: the token was unused when read and another exchange won the race for it (two
     * refreshes at once, typically one client twice); the winner's answer stands.
     */
    readonly reuse?: { userId: string; familyId: string; concurrent: boolean },
  ) {
    super(problem);
    this.name = 'RefreshTokenError';
  }
}

/** 256 random bits: not guessable, and long enough that a hash lookup needs no salt. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What a sign-in proved and when (`auth_time`, `amr`): kept with the family so a refresh keeps it. */
export interface SignInProof {
  authTime: Date | null;
  amr: string[] | null;
}

export interface RefreshTokens {
  /** Starts a new family (a new sign-in) or continues one (rotation). Returns the opaque token. */
  issue(userId: string, familyId?: string, proof?: SignInProof): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Retires `token` and returns whose it was, its family and its sign-in's proof, for a new one to
   * be issued. A token already retired revokes its whole family and is refused. `receivedAt`: when
   * the request presenting it arrived; a token first used after that moment was used by a request
   * running at the same time (two tabs refreshing at once), which the refusal says (`concurrent`).
   */
  consume(token: string, receivedAt?: Date): Promise<{ userId: string; familyId: string } & SignInProof>;
  /** The family (session id) `token` belongs to and whose it is, or null for an unknown token. */
  owner(token: string): Promise<{ userId: string; familyId: string } | null>;
  /** Revokes a family by its id (a session that ended while a refresh was in flight). */
  revokeFamilyOf(familyId: string): Promise<number>;
  revokeAll(userId: string): Promise<number>;
  /** Housekeeping: deletes tokens past their expiry; answers how many. */
  purgeExpired(now?: Date): Promise<number>;
}

export function createRefreshTokens(store: RefreshTokenStore, ttlSeconds: number, logger: Logger): RefreshTokens {
  return {
    async issue(userId, familyId = uuidv7(), proof = { authTime: null, amr: null }) {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      await store.create({
        userId,
        familyId,
        tokenHash: hashRefreshToken(token),
        expiresAt,
        authTime: proof.authTime,
        amr: proof.amr ? proof.amr.join(',') : null,
      });
      return { token, expiresAt };
    },

    async consume(token, receivedAt) {
      if (!TOKEN_FORMAT.test(token)) throw new RefreshTokenError('unknown');
      const row = await store.findByHash(hashRefreshToken(token));
      if (!row) throw new RefreshTokenError('unknown');
      if (row.revokedAt) throw new RefreshTokenError('revoked');
      const replay = row.usedAt !== null;
      if (replay || !(await store.markUsed(row.id))) {
        // Someone already exchanged this token: either the client or a thief has a copy.
        // The family is revoked so that neither can go on (OAuth 2.0 Security BCP, 4.14.2).
        const revoked = await store.revokeFamily(row.familyId);
        logger.warn('refresh token reuse: family revoked', { userId: row.userId, familyId: row.familyId, revoked });
        // Concurrent: both read it unused and the other marked it first, or the other marked it
        // after this request had arrived (on PostgreSQL the other's UPDATE can commit before this
        // request's read, so "read it unused" alone misses races). A copy replayed later, by a
        // client or a thief, arrives after the first use: not concurrent.
        const overlapped = receivedAt !== undefined && row.usedAt !== null && row.usedAt >= receivedAt;
        throw new RefreshTokenError('reused', {
          userId: row.userId,
          familyId: row.familyId,
          concurrent: !replay || overlapped,
        });
      }
      if (row.expiresAt.getTime() <= Date.now()) throw new RefreshTokenError('expired');
      return {
        userId: row.userId,
        familyId: row.familyId,
        authTime: row.authTime,
        amr: row.amr ? row.amr.split(',') : null,
      };
    },

    async owner(token) {
      if (!TOKEN_FORMAT.test(token)) return null;
      const row = await store.findByHash(hashRefreshToken(token));
      return row ? { userId: row.userId, familyId: row.familyId } : null;
    },

    revokeFamilyOf: (familyId) => store.revokeFamily(familyId),

    revokeAll: (userId) => store.revokeAllForUser(userId),

    purgeExpired: (now) => store.deleteExpired(now),
  };
}
