import type { Logger } from '../logger.js';
import type { Services } from '../services.js';

/** How often the cleanup runs; every instance runs it, and the deletes are idempotent. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Retention: deletes security events older than SECURITY_LOG_RETENTION_DAYS, sessions that ended
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

/** Runs the cleanup now and then hourly, until stopped; a failed run is logged and retried next hour. */
export function startRetention(services: Services, logger: Logger): { stop(): void } {
  const run = () =>
    purgeExpiredSecurityData(services).then(
      (deleted) => logger.info('retention cleanup', deleted),
      (e: unknown) => logger.warn('retention cleanup failed', { err: e }),
    );
  void run();
  const timer = setInterval(() => void run(), RETENTION_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
