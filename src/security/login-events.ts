import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { UserEntity } from '../db/entities/user.js';
import { ErrorCode } from '../errors.js';
import type { Services } from '../services.js';
import type { RecordOptions, RequestOrigin } from './security-log.js';

/**
 * Failed and throttled sign-ins, recorded on the account they were aimed at without telling the
 * client anything: the answer is the same UNAUTHENTICATED (or RATE_LIMITED) whether or not the
 * account exists, and the write is not awaited, so it adds nothing to the response time either.
 * Only the account's owner (and administrators) read its log.
 */
export function noteFailedLogin(
  services: Services,
  user: UserEntity | null,
  origin: RequestOrigin,
  details?: RecordOptions['details'],
): void {
  if (!user) return;
  const userId = user.id;
  services.securityLog.inBackground(() =>
    services.securityLog.record('LOGIN_FAILED', { userId, origin, ...(details ? { details } : {}) }),
  );
}

/**
 * Accounts whose throttled sign-ins were recorded lately: a flood of throttled attempts writes
 * one LOGIN_THROTTLED per account per throttle window (per instance), not one row per attempt.
 */
const recentlyThrottled = new WeakMap<Services, LRUCache<string, true>>();

export function noteThrottledLogin(services: Services, email: string, origin: RequestOrigin): void {
  if (email === '') return;
  let seen = recentlyThrottled.get(services);
  if (!seen) {
    seen = new LRUCache<string, true>({ max: 10_000, ttl: services.config.throttle.windowSeconds * 1000 });
    recentlyThrottled.set(services, seen);
  }
  if (seen.has(email)) return;
  seen.set(email, true);
  services.securityLog.inBackground(async () => {
    const user = await services.users.findByEmail(email);
    if (user) await services.securityLog.record('LOGIN_THROTTLED', { userId: user.id, origin });
  });
}

/**
 * The login throttle before a sign-in step (a password, a passkey, a second-factor code) aimed at
 * `account`: `step` is which of its calls (LoginThrottle: `check` on arrival and `reserve` once a
 * password's hash has its slot, or `attempt`, both at once, for a step that needs no hash). A refusal (RATE_LIMITED) is recorded as LOGIN_THROTTLED on `recordFor`
 * (the account's e-mail; null when no account is known, e.g. an unknown passkey), then thrown as
 * it is. Any other failure (the throttle's store unreachable) passes through unrecorded: it is
 * an outage, not a throttled attempt.
 */
export async function assertSignInAllowed(
  services: Services,
  account: string,
  origin: RequestOrigin,
  recordFor: string | null = account,
  step: 'check' | 'reserve' | 'attempt' = 'attempt',
): Promise<void> {
  try {
    await services.throttle[step](account, origin.address ?? 'unknown');
  } catch (e) {
    if (recordFor !== null && e instanceof GraphQLError && e.extensions.code === ErrorCode.RATE_LIMITED)
      noteThrottledLogin(services, recordFor, origin);
    throw e;
  }
}
