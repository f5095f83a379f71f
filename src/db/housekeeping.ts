import type { Services } from '../services.js';

/** How often expired mailed-link tokens are deleted. */
export const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes expired mailed-link tokens now and then every hour. An expired token can do nothing, so
 * keeping it only grows the table. Several instances may run it at once: a DELETE by expiry is
 * idempotent. Returns the function that stops it (shutdown).
 */
export function startHousekeeping(services: Services, intervalMs = HOUSEKEEPING_INTERVAL_MS): () => void {
  const run = () =>
    services.accountTokens.store.deleteExpired().then(
      (n) => {
        if (n > 0) services.logger.info('expired account tokens deleted', { count: n });
      },
      (e: unknown) => services.logger.warn('deleting expired account tokens failed', { err: e }),
    );
  void run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
