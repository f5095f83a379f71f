import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
  type IRateLimiterOptions,
  RateLimiterRes,
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
  /**
   * Refuses (RATE_LIMITED with retryAfter) an attempt at `account` from `address` that a counter
   * already full would refuse, counting nothing: the cheap check on arrival, before any queueing.
   */
  check(account: string, address: string): Promise<void>;
  /**
   * Counts the attempt, just before it is checked (for a password: once its hash has a slot), and
   * refuses it, giving the place back, when that takes a counter over its limit. Counters only
   * move by atomic increments, so of attempts sent at once exactly the limit are checked, on one
   * instance or several sharing Redis. Taken only once the hash is about to run, so the places
   * held at any moment are the few hashes running, not every request waiting: a burst of real
   * users behind one address fills no counter. The attempt stays a failure unless `uncount` or
   * `signedIn` settles it: a failure needs no call of its own.
   */
  reserve(account: string, address: string): Promise<void>;
  /** check, then reserve: for a check that needs no hash (a code, a passkey). */
  attempt(account: string, address: string): Promise<void>;
  /** The attempt was right, but no sign-in follows from it (a password before its second factor). */
  uncount(account: string, address: string): Promise<void>;
  /** The attempt signed in: it is uncounted, the pair's failures are cleared and the address trusted. */
  signedIn(account: string, address: string): Promise<void>;
  /** The owner proved access without an attempt (a reset link): as signedIn, with nothing to uncount. */
  trust(account: string, address: string): Promise<void>;
}

/**
 * How long a successful sign-in exempts its address from the per-account limit. Under 24.8 days:
 * the in-memory store expires keys with setTimeout, which overflows past 2^31 ms and fires at once.
 */
const TRUSTED_SECONDS = 60 * 60 * 24 * 14;

export function createLoginThrottle(config: Config['throttle'], redis?: Redis, prefix = 'gqlauth'): LoginThrottle {
  // No blockDuration: blocking rewrites a counter with the value it read, which under concurrent
  // attempts (and their give-backs) in Redis can set it lower than it is. Counters that only move
  // by atomic increments, and refusals read from them, hold the limits exactly.
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const opts: IRateLimiterOptions = { keyPrefix: `${prefix}:${keyPrefix}`, points, duration };
    // If Redis stops answering, count in memory rather than fail every login (insuranceLimiter).
    return redis
      ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) })
      : new RateLimiterMemory(opts);
  };
  const window = config.windowSeconds;
  const byAccountAddress = make('login:acct-addr', config.perAccountAndAddress, window);
  const byAddress = make('login:addr', config.perAddress, window);
  const byAccount = make('login:acct', config.perAccount, window);
  const trusted = make('login:trusted', 1, TRUSTED_SECONDS);

  const pair = (account: string, address: string) => `${account}|${address}`;
  // In the order check() and reserve() read them; the per-account one (last) does not bind trusted addresses.
  const limits = [config.perAccountAndAddress, config.perAddress, config.perAccount];
  /** consume() rejects with the counter's state once over the limit: that is an answer, not an error. */
  const counted = (p: Promise<RateLimiterRes>) =>
    p.catch((e: unknown) => {
      if (e instanceof RateLimiterRes) return e;
      throw e;
    });
  const uncount = (account: string, address: string) =>
    Promise.all([
      byAccountAddress.reward(pair(account, address)),
      byAddress.reward(address),
      byAccount.reward(account),
    ]).then(() => undefined);
  const trust = (account: string, address: string) =>
    Promise.all([
      byAccountAddress.delete(pair(account, address)),
      trusted.set(pair(account, address), 1, TRUSTED_SECONDS),
    ]).then(() => undefined);

  /** The waits of the limits that `counts` exceed (`taken`: counts after this attempt's own place). */
  const waits = (counts: (RateLimiterRes | null)[], taken: number, exempt: boolean) =>
    counts.flatMap((res, i) =>
      res && res.consumedPoints + taken > limits[i]! && (i < 2 || !exempt) ? [res.msBeforeNext] : [],
    );
  const reserve = async (account: string, address: string) => {
    const [after, trustedRes] = await Promise.all([
      Promise.all([
        counted(byAccountAddress.consume(pair(account, address))),
        counted(byAddress.consume(address)),
        counted(byAccount.consume(account)),
      ]),
      trusted.get(pair(account, address)),
    ]);
    const refused = waits(after, 0, Boolean(trustedRes));
    if (refused.length > 0) {
      await uncount(account, address);
      throw rateLimited(Math.max(...refused) / 1000);
    }
  };

  const check = async (account: string, address: string) => {
    const [pairNow, addrNow, acctNow, trustedRes] = await Promise.all([
      byAccountAddress.get(pair(account, address)),
      byAddress.get(address),
      byAccount.get(account),
      trusted.get(pair(account, address)),
    ]);
    // Full: one more attempt would be over the limit.
    const refused = waits([pairNow, addrNow, acctNow], 1, Boolean(trustedRes));
    if (refused.length > 0) throw rateLimited(Math.max(...refused) / 1000);
  };

  return {
    check,
    reserve,
    async attempt(account, address) {
      await check(account, address);
      await reserve(account, address);
    },

    uncount,

    async signedIn(account, address) {
      // The pair's counter is cleared whole; the others only give back this attempt's place.
      await Promise.all([byAddress.reward(address), byAccount.reward(account), trust(account, address)]);
    },

    trust,
  };
}
