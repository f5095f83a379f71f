import { EntitySchema } from 'typeorm';

/**
 * One sign-in (signup, login, and later verifyLogin or resetPassword) and every refresh token
 * rotated from it: `refresh_tokens.family_id` is this row's id, and access tokens carry it as
 * `sid`. Revoking the row refuses both at once.
 */
export interface SessionEntity {
  /** UUIDv7; the `sid` claim and the refresh-token family id. */
  id: string;
  userId: string;
  createdAt: Date;
  /** Refreshed at most once a minute (SESSION_TOUCH_INTERVAL_MS), never on every request. */
  lastUsedAt: Date;
  /** When the newest refresh token of the session expires: past it the session is over. */
  expiresAt: Date;
  /** The User-Agent of the sign-in, cut to 512 characters. */
  userAgent: string | null;
  /** The client address of the sign-in (through TRUST_PROXY). */
  address: string | null;
  /** Set by logout, revokeSession, revokeOtherSessions, logoutAll, a password change or reuse detection. */
  revokedAt: Date | null;
}

export const SessionSchema = new EntitySchema<SessionEntity>({
  name: 'Session',
  tableName: 'sessions',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    createdAt: { name: 'created_at', type: Date },
    lastUsedAt: { name: 'last_used_at', type: Date },
    expiresAt: { name: 'expires_at', type: Date },
    userAgent: { name: 'user_agent', type: 'varchar', length: 512, nullable: true },
    address: { type: 'varchar', length: 64, nullable: true },
    revokedAt: { name: 'revoked_at', type: Date, nullable: true },
  },
  indices: [{ name: 'idx_sessions_user', columns: ['userId'] }],
});
