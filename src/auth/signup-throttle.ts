import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { rateLimited } from '../errors.js';

/**
 * Sign-ups per client address (SIGNUP_MAX_PER_ADDRESS per SIGNUP_THROTTLE_WINDOW). Each signup
 * creates an account, costs an argon2 hash and mails a link: without a bound one client could fill
 * the users table, hold the hashing queue and use the server to mail strangers. Attempts count
 * whether or not the address turns out to be taken, so the "already taken" answer cannot be asked
 * for more often than accounts can be made. In memory, or in Redis so every instance shares the
 * count (counting in memory if Redis stops answering, as the login throttle does).
 */
export interface SignupThrottle {
  /** Counts one signup from `address`; throws RATE_LIMITED with retryAfter once over the limit. */
  consume(address: string): Promise<void>;
}

export function createSignupThrottle(
  config: Config['signupThrottle'],
  redis?: Redis,
  prefix = 'gqlauth',
): SignupThrottle {
  const opts = { keyPrefix: `${prefix}:signup:addr`, points: config.perAddress, duration: config.windowSeconds };
  const limiter = redis
    ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) })
    : new RateLimiterMemory(opts);
  return {
    async consume(address) {
      try {
        await limiter.consume(address);
      } catch (e) {
        // consume() rejects with the counter once over the limit: the answer, not a failure.
        if (e instanceof RateLimiterRes)
          throw rateLimited(e.msBeforeNext / 1000, 'Too many sign-ups from this address, try again later');
        throw e;
      }
    },
  };
}
