import { EntitySchema } from 'typeorm';

/**
 * A user's TOTP authenticator. One row per user: `enabledAt` is null while a setup waits for its
 * first code (confirmTotp), so a half-finished setup never locks anyone out.
 */
export interface TotpFactorEntity {
  userId: string;
  /** The base32 secret sealed with AES-256-GCM (src/mfa/secret-box.ts); never stored in clear. */
  secret: string;
  enabledAt: Date | null;
  /** The last time step whose code was accepted: a code is good once (no replay in its window). */
  lastUsedStep: number | null;
  createdAt: Date;
}

/** One recovery code, by its SHA-256 only; `usedAt` once spent. */
export interface RecoveryCodeEntity {
  id: string;
  userId: string;
  codeHash: string;
  usedAt: Date | null;
  createdAt: Date;
}

/**
 * A login that proved the password and waits for the second factor. The client holds the opaque
 * challenge; only its SHA-256 is here, so any instance on the database can finish the login, and
 * a copied table cannot. Single use (`consumedAt`), short-lived, locked after too many wrong codes.
 */
export interface MfaChallengeEntity {
  id: string;
  userId: string;
  tokenHash: string;
  /** The user's token version when the password was proven: a password change voids the challenge. */
  tokenVersion: number;
  failedAttempts: number;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: Date;
}

export const TotpFactorSchema = new EntitySchema<TotpFactorEntity>({
  name: 'TotpFactor',
  tableName: 'totp_factors',
  columns: {
    userId: { name: 'user_id', type: 'varchar', length: 36, primary: true },
    secret: { type: 'varchar', length: 255 },
    enabledAt: { name: 'enabled_at', type: Date, nullable: true },
    lastUsedStep: { name: 'last_used_step', type: 'integer', nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
});

export const RecoveryCodeSchema = new EntitySchema<RecoveryCodeEntity>({
  name: 'RecoveryCode',
  tableName: 'recovery_codes',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    codeHash: { name: 'code_hash', type: 'varchar', length: 64 },
    usedAt: { name: 'used_at', type: Date, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
});

export const MfaChallengeSchema = new EntitySchema<MfaChallengeEntity>({
  name: 'MfaChallenge',
  tableName: 'mfa_challenges',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    tokenHash: { name: 'token_hash', type: 'varchar', length: 64, unique: true },
    tokenVersion: { name: 'token_version', type: 'integer' },
    failedAttempts: { name: 'failed_attempts', type: 'integer', default: 0 },
    expiresAt: { name: 'expires_at', type: Date },
    consumedAt: { name: 'consumed_at', type: Date, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
});
