import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
  type IRateLimiterOptions,
} from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { rateLimited } from '../errors.js';

/**
 * Failed-login throttling (OWASP authentication cheat sheet), three counters per window:
 *  - account + address: one attacker guessing one account is stopped quickly;
 *  - address: one attacker trying many accounts (credential stuffing) is stopped;
 *  - account: many addresses guessing one account are stopped, except addresses that have
 *    signed in to it before, so the owner is never locked out by someone else's failures.
 * Counters live in memory, or in Redis so that every instance shares them.
 */
export interface LoginThrottle {
  /** Throws RATE_LIMITED (with retryAfter) when this attempt may not even be checked. */
  assertAllowed(account: string, address: string): Promise<void>;
  recordFailure(account: string, address: string): Promise<void>;
  recordSuccess(account: string, address: string): Promise<void>;
}

/**
 * How long a successful sign-in exempts its address from the per-account limit. Under 24.8 days:
 * the in-memory store expires keys with setTimeout, which overflows past 2^31 ms and fires at once.
 */
const TRUSTED_SECONDS = 60 * 60 * 24 * 14;

export function createLoginThrottle(config: Config['throttle'], redis?: Redis, prefix = 'gqlauth'): LoginThrottle {
  const make = (keyPrefix: string, points: number, duration: number, blockDuration = 0): RateLimiterAbstract => {
    const opts: IRateLimiterOptions = { keyPrefix: `${prefix}:${keyPrefix}`, points, duration, blockDuration };
    // If Redis stops answering, count in memory rather than fail every login (insuranceLimiter).
    return redis
      ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) })
      : new RateLimiterMemory(opts);
  };
  const window = config.windowSeconds;
  const byAccountAddress = make('login:acct-addr', config.perAccountAndAddress, window, window);
  const byAddress = make('login:addr', config.perAddress, window, window);
  const byAccount = make('login:acct', config.perAccount, window, window);
  const trusted = make('login:trusted', 1, TRUSTED_SECONDS);

  const pair = (account: string, address: string) => `${account}|${address}`;

  return {
    async assertAllowed(account, address) {
      const [pairRes, addrRes, acctRes, trustedRes] = await Promise.all([
        byAccountAddress.get(pair(account, address)),
        byAddress.get(address),
        byAccount.get(account),
        trusted.get(pair(account, address)),
      ]);
      const waits: number[] = [];
      if (pairRes && pairRes.consumedPoints >= config.perAccountAndAddress) waits.push(pairRes.msBeforeNext);
      if (addrRes && addrRes.consumedPoints >= config.perAddress) waits.push(addrRes.msBeforeNext);
      if (!trustedRes && acctRes && acctRes.consumedPoints >= config.perAccount) waits.push(acctRes.msBeforeNext);
      if (waits.length > 0) throw rateLimited(Math.max(...waits) / 1000);
    },

    async recordFailure(account, address) {
      // consume() rejects once over the limit; that is the point, not an error.
      await Promise.all(
        [byAccountAddress.consume(pair(account, address)), byAddress.consume(address), byAccount.consume(account)].map(
          (p) =>
            p.catch((e: unknown) => {
              if (e instanceof Error) throw e;
            }),
        ),
      );
    },

    async recordSuccess(account, address) {
      await Promise.all([
        byAccountAddress.delete(pair(account, address)),
        trusted.set(pair(account, address), 1, TRUSTED_SECONDS),
      ]);
    },
  };
}
