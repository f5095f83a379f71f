import type { LoginThrottle } from '../auth/login-throttle.js';
import type { Metrics } from './metrics.js';

/**
 * The throttle, counting the attempts it refuses (auth_throttled_total). A wrapper rather than
 * calls at each use: every caller of assertAllowed (login, changePassword, any later sign-in
 * step) is counted without being told about metrics.
 */
export function countThrottled(throttle: LoginThrottle, metrics: Metrics): LoginThrottle {
  if (!metrics.enabled) return throttle;
  return {
    ...throttle,
    assertAllowed: (account, address) =>
      throttle.assertAllowed(account, address).catch((e: unknown) => {
        metrics.throttled.inc();
        throw e;
      }),
  };
}
