import type { Services } from '../services.js';

/**
 * Retention (run by src/db/housekeeping.ts, at start and hourly): deletes security events older than SECURITY_LOG_RETENTION_DAYS, sessions that ended
 * (revoked or expired) longer ago than that, and refresh tokens past their expiry (they serve no
 * purpose, not even reuse detection). Answers what it deleted.
 */
export async function purgeExpiredSecurityData(
  services: Pick<Services, 'config' | 'sessions' | 'securityLog' | 'refreshTokens'>,
  now = new Date(),
): Promise<{ events: number; sessions: number; refreshTokens: number }> {
  const before = new Date(now.getTime() - services.config.securityLog.retentionDays * 86_400_000);
  const events = await services.securityLog.purgeBefore(before);
  const sessions = await services.sessions.purgeEndedBefore(before);
  const refreshTokens = await services.refreshTokens.purgeExpired(now);
  return { events, sessions, refreshTokens };
}
