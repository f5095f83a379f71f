import { v7 as uuidv7 } from 'uuid';
import type { SessionEntity } from '../db/entities/session.js';
import type { RefreshTokenStore } from '../db/refresh-token-store.js';
import type { SessionStore } from '../db/session-store.js';
import type { RequestOrigin } from '../security/security-log.js';

/**
 * How stale `lastUsedAt` may get before a request writes it again. The per-request lookup reads
 * it anyway (src/db/user-store.ts findForToken); writing only when it is older than this keeps an
 * active session to about one write a minute instead of one per request.
 */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/**
 * Sessions: one sign-in and the refresh tokens rotated from it. Ending a session revokes its row
 * (which the per-request lookup reads, so its access tokens are refused at the next request, on
 * every instance) and its refresh-token family (so it cannot be refreshed back to life).
 */
export interface Sessions {
  /** A new sign-in; its id becomes the refresh-token family id and the access tokens' `sid`. */
  start(userId: string, origin: RequestOrigin | undefined, refreshTtlSeconds: number): Promise<SessionEntity>;
  /** A refresh rotated the session's token: it now lasts until `expiresAt`, and was used now. */
  extend(id: string, expiresAt: Date): Promise<void>;
  /** The session row, ended or not; null when unknown. */
  find(id: string): Promise<SessionEntity | null>;
  /** The session if it still stands (not revoked, not expired), else null. */
  live(id: string): Promise<SessionEntity | null>;
  list(userId: string): Promise<SessionEntity[]>;
  /** Every session row of the user, ended ones included (data export). */
  all(userId: string): Promise<SessionEntity[]>;
  /** Ends one session of the user; false when it is not theirs or had ended already. */
  revoke(userId: string, id: string): Promise<boolean>;
  /** Ends every standing session of the user but `exceptId` (all when undefined); answers how many. */
  revokeAllBut(userId: string, exceptId: string | undefined): Promise<number>;
  /** Called by the per-request check with the stored time: writes only when it is stale. */
  touch(id: string, lastUsedAt: Date): Promise<void>;
  /** Retention: forgets sessions that ended (revoked or expired) before `before`; answers how many. */
  purgeEndedBefore(before: Date): Promise<number>;
}

export function createSessions(store: SessionStore, refreshTokens: RefreshTokenStore): Sessions {
  async function end(userId: string, id: string, now: Date): Promise<boolean> {
    const ended = await store.revoke(userId, id, now);
    // Always revoke the family too, even if the row had ended: a token issued in a race is closed.
    await refreshTokens.revokeFamily(id);
    return ended;
  }

  return {
    async start(userId, origin, refreshTtlSeconds) {
      const now = new Date();
      return store.create({
        id: uuidv7(),
        userId,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + refreshTtlSeconds * 1000),
        userAgent: origin?.userAgent ?? null,
        address: origin?.address?.slice(0, 64) ?? null,
      });
    },

    extend: (id, expiresAt) => store.extend(id, expiresAt),

    find: (id) => store.findById(id),

    async live(id) {
      const session = await store.findById(id);
      if (!session || session.revokedAt || session.expiresAt.getTime() <= Date.now()) return null;
      return session;
    },

    list: (userId) => store.findLive(userId),
    all: (userId) => store.findAll(userId),
    purgeEndedBefore: (before) => store.deleteEndedBefore(before),

    revoke: (userId, id) => end(userId, id, new Date()),

    async revokeAllBut(userId, exceptId) {
      const now = new Date();
      const ended = await store.revokeAllBut(userId, exceptId, now);
      for (const id of ended) await refreshTokens.revokeFamily(id);
      return ended.length;
    },

    async touch(id, lastUsedAt) {
      const now = Date.now();
      if (now - lastUsedAt.getTime() < SESSION_TOUCH_INTERVAL_MS) return;
      await store.touch(id, new Date(now), new Date(now - SESSION_TOUCH_INTERVAL_MS));
    },
  };
}
