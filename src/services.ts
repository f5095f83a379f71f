import type { DataSource } from 'typeorm';
import { createTokenSigner } from './auth/jwt.js';
import type { Redis } from 'ioredis';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createPasswordHasher } from './auth/password.js';
import { createRefreshTokens } from './auth/refresh-tokens.js';
import type { Config } from './config.js';
import type { Services } from './context.js';
import { RefreshTokenStore } from './db/refresh-token-store.js';
import { UserStore } from './db/user-store.js';
import { createEvents } from './events.js';
import type { Logger } from './logger.js';
import { countThrottled } from './metrics/instrument.js';
import { createMetrics } from './metrics/metrics.js';

/** Builds what every request shares: keys imported once, one hashing queue, one store. */
export async function createServices(
  config: Config & { jwt: { secret: Uint8Array } },
  dataSource: DataSource,
  logger: Logger,
  opts: { redis?: Redis } = {},
): Promise<Services> {
  // Collected only when an endpoint serves them; otherwise every hook below stays unset.
  const metrics = createMetrics({ enabled: config.metrics.token !== undefined || config.metrics.port !== undefined });
  const on = metrics.enabled;
  const [tokens, passwords] = await Promise.all([
    createTokenSigner(
      config.jwt,
      on ? (hit) => metrics.tokenCacheLookups.inc({ result: hit ? 'hit' : 'miss' }) : undefined,
    ),
    createPasswordHasher({
      concurrency: config.password.hashConcurrency,
      queueLimit: config.password.hashQueueLimit,
      ...(on
        ? { onWait: (s: number) => metrics.hashWait.observe(s), onRejected: () => metrics.hashRejected.inc() }
        : {}),
    }),
  ]);
  metrics.hashQueue.read((set) => {
    const { active, pending } = passwords.stats();
    set({ state: 'active' }, active);
    set({ state: 'pending' }, pending);
  });
  metrics.tokenCacheEntries.read((set) => set(tokens.cacheSize()));
  return {
    config,
    users: new UserStore(dataSource),
    tokens,
    passwords,
    refreshTokens: createRefreshTokens(new RefreshTokenStore(dataSource), config.refresh.ttl, logger),
    throttle: countThrottled(createLoginThrottle(config.throttle, opts.redis, config.redisKeyPrefix), metrics),
    events: createEvents(opts.redis),
    logger,
    metrics,
  };
}
