import type { LoginThrottle } from '../auth/login-throttle.js';
import type { Metrics } from './metrics.js';

/**
 * The throttle, counting the attempts it refuses (auth_throttled_total). A wrapper rather than
 * calls at each use: every caller of check, reserve or attempt (login, changePassword, any later
 * sign-in step) is counted without being told about metrics.
 */
export function countThrottled(throttle: LoginThrottle, metrics: Metrics): LoginThrottle {
  if (!metrics.enabled) return throttle;
  const counting = (step: (account: string, address: string) => Promise<void>) => (account: string, address: string) =>
    step(account, address).catch((e: unknown) => {
      metrics.throttled.inc();
      throw e;
    });
  return {
    ...throttle,
    check: counting(throttle.check),
    reserve: counting(throttle.reserve),
    attempt: counting(throttle.attempt),
  };
}
