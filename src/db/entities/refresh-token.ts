import { EntitySchema } from 'typeorm';

/**
 * One refresh token. Only its SHA-256 is stored: a leaked table cannot be replayed.
 * Tokens descending from one sign-in share a `familyId`; rotation retires each (`usedAt`) as it
 * is exchanged, and presenting a retired one revokes the whole family (reuse detection).
 */
export interface RefreshTokenEntity {
  id: string;
  userId: string;
  familyId: string;
  /** Hex SHA-256 of the opaque token. */
  tokenHash: string;
  expiresAt: Date;
  /** Set when exchanged by `refresh`; a second exchange is reuse. */
  usedAt: Date | null;
  /** Set by logout, logoutAll, password change or reuse detection. */
  revokedAt: Date | null;
  createdAt: Date;
  /** When the sign-in this family started from proved its factors: a refresh keeps it (`auth_time`). */
  authTime: Date | null;
  /** How it was proven, comma-separated (`pwd` or `pwd,otp`): a refresh keeps it (`amr`). */
  amr: string | null;
}

export const RefreshTokenSchema = new EntitySchema<RefreshTokenEntity>({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    familyId: { name: 'family_id', type: 'varchar', length: 36 },
    tokenHash: { name: 'token_hash', type: 'varchar', length: 64, unique: true },
    expiresAt: { name: 'expires_at', type: Date },
    usedAt: { name: 'used_at', type: Date, nullable: true },
    revokedAt: { name: 'revoked_at', type: Date, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
    authTime: { name: 'auth_time', type: Date, nullable: true },
    amr: { type: 'varchar', length: 64, nullable: true },
  },
});
