import type { PasskeyEntity } from '../db/entities/passkey.js';
import type { SecurityEventEntity } from '../db/entities/security-event.js';
import type { SessionEntity } from '../db/entities/session.js';
import type { UserEntity } from '../db/entities/user.js';
import type { Services } from '../services.js';

/** Names the document's shape, so a reader can tell versions apart if it ever changes. */
export const EXPORT_FORMAT = 'graphql-auth-api/account-export@1';

/**
 * The account as its owner may take it away (GDPR art. 15 and 20): a whitelist of the account's
 * own fields, so a column added later (a hash, a TOTP secret) never leaks into an export by default.
 */
function account(user: UserEntity) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

function session(s: SessionEntity, currentId: string | undefined) {
  return {
    id: s.id,
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    revokedAt: s.revokedAt?.toISOString() ?? null,
    userAgent: s.userAgent,
    address: s.address,
    current: s.id === currentId,
  };
}

function event(e: SecurityEventEntity) {
  return {
    id: e.id,
    type: e.type,
    at: e.at.toISOString(),
    address: e.address,
    userAgent: e.userAgent,
    sessionId: e.sessionId,
    details: e.details ? (JSON.parse(e.details) as unknown) : null,
  };
}

/** A passkey's metadata; not its key material (public, yet of no use to its owner). */
function passkey(p: PasskeyEntity) {
  return {
    id: p.id,
    name: p.name,
    createdAt: p.createdAt.toISOString(),
    lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
    synced: p.backupEligible,
    backedUp: p.backedUp,
    transports: p.transports ? p.transports.split(',') : [],
    aaguid: p.aaguid,
  };
}

/** One JSON document: the account, its passkeys, every session kept (ended ones too) and the security log. */
export async function exportAccountData(services: Services, user: UserEntity, currentSessionId: string | undefined) {
  const [sessions, events, passkeys] = await Promise.all([
    services.sessions.all(user.id),
    services.securityLog.all(user.id),
    services.passkeyStore.listByUser(user.id),
  ]);
  return {
    format: EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    account: account(user),
    passkeys: passkeys.map(passkey),
    sessions: sessions.map((s) => session(s, currentSessionId)),
    securityEvents: events.map(event),
  };
}
