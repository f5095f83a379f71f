import { EntitySchema } from 'typeorm';

export type Role = 'USER' | 'ADMIN';

/**
 * A stored account. This shape never reaches the schema directly: codegen maps the
 * GraphQL `User`/`UserProfile` types onto it, so `passwordHash` has no way out.
 */
export interface UserEntity {
  /** UUIDv7: unguessable, yet time-ordered so `users` can page by id on any database. */
  id: string;
  name: string;
  /** Trimmed and lower-cased before it is stored; unique. */
  email: string;
  /** argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash). */
  passwordHash: string;
  role: Role;
  /** Carried in every token as `ver`; bumping it refuses every token issued before. */
  tokenVersion: number;
  /** When the current `email` was proven (a mailed link, or a password reset); null until then. */
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

// EntitySchema rather than decorators: tsx and vitest (esbuild) emit no decorator metadata,
// and explicit types here keep SQLite and PostgreSQL reading the same columns.
export const UserSchema = new EntitySchema<UserEntity>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    name: { type: 'varchar', length: 100 },
    email: { type: 'varchar', length: 254, unique: true },
    passwordHash: { name: 'password_hash', type: 'varchar', length: 255 },
    role: { type: 'varchar', length: 16, default: 'USER' },
    tokenVersion: { name: 'token_version', type: 'integer', default: 0 },
    // Added by migration 1765000000000. Never part of an INSERT: a new address is unproven.
    emailVerifiedAt: { name: 'email_verified_at', type: Date, nullable: true, insert: false },
    createdAt: { name: 'created_at', type: Date, createDate: true },
    updatedAt: { name: 'updated_at', type: Date, updateDate: true },
  },
  // Created by migration 1764000000000; declared here so the entity matches the schema.
  indices: [{ name: 'idx_users_created_at', columns: ['createdAt'] }],
});
