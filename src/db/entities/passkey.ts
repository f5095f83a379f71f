import { EntitySchema } from 'typeorm';

/**
 * A registered passkey (a WebAuthn credential). Only public material is stored: the credential id
 * and its COSE public key; the private key never leaves the authenticator. Deleted with its user.
 */
export interface PasskeyEntity {
  /** UUIDv7: the id `passkeys` and `removePasskey` use (never the credential id). */
  id: string;
  userId: string;
  /** The credential id as base64url, unique across all accounts. */
  credentialId: string;
  /** The COSE_Key from registration, base64url. */
  publicKey: string;
  /** The signature counter last seen; 0 for authenticators that keep none (most synced passkeys). */
  counter: number;
  /** Transports the browser reported (`internal`, `hybrid`, `usb`, ...), comma-separated; hints only. */
  transports: string;
  /** Backup eligible (BE flag): a multi-device, synced passkey. Fixed at registration. */
  backupEligible: boolean;
  /** Backed up (BS flag), as last seen. */
  backedUp: boolean;
  /** The authenticator model's AAGUID (all zeros for attestation "none" from many authenticators). */
  aaguid: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/**
 * The account's WebAuthn user handle: random bytes (base64url), created with its first passkey.
 * Authenticators keep it beside a discoverable credential and hand it back at sign-in
 * (`userHandle`), so it names the account without being its e-mail address or its database id.
 */
export interface WebauthnUserEntity {
  userId: string;
  handle: string;
  createdAt: Date;
}

/**
 * An open ceremony: only the SHA-256 of its challenge is stored, so any instance can finish it and
 * a copied table cannot. Single use (`consumedAt`, set by a conditional UPDATE) and short-lived.
 */
export interface WebauthnChallengeEntity {
  id: string;
  challengeHash: string;
  /** `registration` (bound to `userId`) or `authentication`. */
  purpose: 'registration' | 'authentication';
  userId: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: Date;
}

export const PasskeySchema = new EntitySchema<PasskeyEntity>({
  name: 'Passkey',
  tableName: 'passkeys',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    credentialId: { name: 'credential_id', type: 'varchar', length: 1400, unique: true },
    publicKey: { name: 'public_key', type: 'text' },
    // bigint: the counter is 32 bits unsigned; read back as a number by the store.
    counter: { type: 'bigint', default: 0, transformer: { to: (v: number) => v, from: (v: unknown) => Number(v) } },
    transports: { type: 'varchar', length: 255, default: '' },
    backupEligible: { name: 'backup_eligible', type: 'boolean', default: false },
    backedUp: { name: 'backed_up', type: 'boolean', default: false },
    aaguid: { type: 'varchar', length: 36 },
    name: { type: 'varchar', length: 100, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
    lastUsedAt: { name: 'last_used_at', type: Date, nullable: true },
  },
});

export const WebauthnUserSchema = new EntitySchema<WebauthnUserEntity>({
  name: 'WebauthnUser',
  tableName: 'webauthn_users',
  columns: {
    userId: { name: 'user_id', type: 'varchar', length: 36, primary: true },
    handle: { type: 'varchar', length: 64, unique: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
});

export const WebauthnChallengeSchema = new EntitySchema<WebauthnChallengeEntity>({
  name: 'WebauthnChallenge',
  tableName: 'webauthn_challenges',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    challengeHash: { name: 'challenge_hash', type: 'varchar', length: 64, unique: true },
    purpose: { type: 'varchar', length: 16 },
    userId: { name: 'user_id', type: 'varchar', length: 36, nullable: true },
    expiresAt: { name: 'expires_at', type: Date },
    consumedAt: { name: 'consumed_at', type: Date, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
});
