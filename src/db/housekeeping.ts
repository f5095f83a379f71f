import { purgeExpiredSecurityData } from '../security/retention.js';
import type { Services } from '../services.js';

/** How often expired mailed-link tokens, and security data past its retention, are deleted. */
export const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes expired mailed-link tokens now and then every hour. An expired token can do nothing, so
 * keeping it only grows the table. Several instances may run it at once: a DELETE by expiry is
 * idempotent. Returns the function that stops it (shutdown).
 */
export function startHousekeeping(services: Services, intervalMs = HOUSEKEEPING_INTERVAL_MS): () => void {
  const run = () =>
    Promise.all([
      services.accountTokens.store.deleteExpired().then(
        (n) => {
          if (n > 0) services.logger.info('expired account tokens deleted', { count: n });
        },
        (e: unknown) => services.logger.warn('deleting expired account tokens failed', { err: e }),
      ),
      services.passkeyStore.deleteExpiredChallenges().then(
        (n) => {
          if (n > 0) services.logger.info('expired passkey challenges deleted', { count: n });
        },
        (e: unknown) => services.logger.warn('deleting expired passkey challenges failed', { err: e }),
      ),
      // The security log and ended sessions past SECURITY_LOG_RETENTION_DAYS, expired refresh tokens.
      purgeExpiredSecurityData(services).then(
        // Counts under names the log's secret filter leaves alone: a field named like a token is
        // blanked whatever it holds, and `refreshTokens: 12` came out as "[redacted]".
        ({ events, sessions, refreshTokens }) =>
          services.logger.info('retention cleanup', { events, sessions, expiredRefreshes: refreshTokens }),
        (e: unknown) => services.logger.warn('retention cleanup failed', { err: e }),
      ),
    ]);
  void run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
