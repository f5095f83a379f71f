import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { MailConfig } from '../config.js';
import { rateLimited } from '../errors.js';

/**
 * Throttles the requests that send mail (password reset, verification, e-mail change), so the API
 * cannot be used to flood someone's inbox or to burn the mail server's reputation:
 *  - per recipient and kind: at most MAIL_MAX_PER_RECIPIENT mails of one kind to one address;
 *  - per client address: at most MAIL_MAX_PER_ADDRESS requests, whatever their target.
 * Both count whether or not an account has the address, so the answer says nothing about
 * which addresses exist. In memory, or in Redis so every instance shares the counts.
 */
export interface MailThrottle {
  /** Counts one request; throws RATE_LIMITED with retryAfter once over either limit. */
  consume(kind: 'reset' | 'verify' | 'change', recipient: string, address: string): Promise<void>;
}

export function createMailThrottle(config: MailConfig['throttle'], redis?: Redis, prefix = 'gqlauth'): MailThrottle {
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const opts = { keyPrefix: `${prefix}:${keyPrefix}`, points, duration: config.windowSeconds };
    return redis
      ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) })
      : new RateLimiterMemory(opts);
  };
  const byRecipient = make('mail:recipient', config.perRecipient);
  const byAddress = make('mail:addr', config.perAddress);

  const take = async (limiter: RateLimiterAbstract, key: string): Promise<number | null> => {
    try {
      await limiter.consume(key);
      return null;
    } catch (e) {
      if (e instanceof RateLimiterRes) return e.msBeforeNext;
      throw e;
    }
  };

  return {
    async consume(kind, recipient, address) {
      const waits = (await Promise.all([take(byAddress, address), take(byRecipient, `${kind}|${recipient}`)])).filter(
        (w): w is number => w !== null,
      );
      if (waits.length > 0) throw rateLimited(Math.max(...waits) / 1000, 'Too many mails requested, try again later');
    },
  };
}
