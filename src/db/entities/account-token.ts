import { EntitySchema } from 'typeorm';

/** What a mailed link is for. */
export type AccountTokenPurpose = 'PASSWORD_RESET' | 'EMAIL_VERIFICATION' | 'EMAIL_CHANGE';

/**
 * One mailed link's token (password reset, address verification, e-mail change). As with refresh
 * tokens only the SHA-256 is stored, so a leaked table opens no account. A token is single use
 * (`usedAt`), expires (`expiresAt`), and is void once a newer one of its purpose was mailed
 * (`revokedAt`).
 */
export interface AccountTokenEntity {
  id: string;
  userId: string;
  purpose: AccountTokenPurpose;
  /** Hex SHA-256 of the token. */
  tokenHash: string;
  /** The address the link proves: the account's e-mail when mailed, or the new one for a change. */
  email: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export const AccountTokenSchema = new EntitySchema<AccountTokenEntity>({
  name: 'AccountToken',
  tableName: 'account_tokens',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    purpose: { type: 'varchar', length: 32 },
    tokenHash: { name: 'token_hash', type: 'varchar', length: 64, unique: true },
    email: { type: 'varchar', length: 254 },
    expiresAt: { name: 'expires_at', type: Date },
    usedAt: { name: 'used_at', type: Date, nullable: true },
    revokedAt: { name: 'revoked_at', type: Date, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
  indices: [
    { name: 'idx_account_tokens_user_purpose', columns: ['userId', 'purpose'] },
    { name: 'idx_account_tokens_expires', columns: ['expiresAt'] },
  ],
});
