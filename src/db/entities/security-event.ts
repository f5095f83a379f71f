import { EntitySchema } from 'typeorm';

/**
 * One entry of an account's security log (src/security/security-log.ts). Kept for
 * SECURITY_LOG_RETENTION_DAYS, deleted with the account.
 */
export interface SecurityEventEntity {
  /** UUIDv7, so the id orders events by time and pages them with a keyset. */
  id: string;
  userId: string;
  /** One of SECURITY_EVENT_TYPES. */
  type: string;
  at: Date;
  address: string | null;
  userAgent: string | null;
  /** The session the event happened in or created, when there is one. */
  sessionId: string | null;
  /** A few facts about the event as JSON text (a new role, how many sessions ended); never a secret. */
  details: string | null;
}

export const SecurityEventSchema = new EntitySchema<SecurityEventEntity>({
  name: 'SecurityEvent',
  tableName: 'security_events',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    userId: { name: 'user_id', type: 'varchar', length: 36 },
    type: { type: 'varchar', length: 64 },
    at: { type: Date },
    address: { type: 'varchar', length: 64, nullable: true },
    userAgent: { name: 'user_agent', type: 'varchar', length: 512, nullable: true },
    sessionId: { name: 'session_id', type: 'varchar', length: 36, nullable: true },
    details: { type: 'text', nullable: true },
  },
  indices: [
    { name: 'idx_security_events_user', columns: ['userId', 'id'] },
    { name: 'idx_security_events_at', columns: ['at'] },
  ],
});
