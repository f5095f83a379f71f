import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';

export type AccountEventKind =
  | 'PROFILE_UPDATED'
  | 'PASSWORD_CHANGED'
  | 'ROLE_CHANGED'
  | 'SIGNED_OUT_EVERYWHERE'
  | 'SESSION_REVOKED'
  | 'DELETED';

/**
 * What travels between instances: ids and a kind only, never the account row (no hash goes
 * through Redis). The subscription loads the account when a client asks for it.
 */
export interface AccountEventMessage {
  kind: AccountEventKind;
  userId: string;
  /** ISO-8601 */
  at: string;
}

/**
 * Account events, one topic per user id. In memory by default; with Redis, an event published
 * on one instance reaches streams open on every instance.
 */
export function createEvents(redis?: Redis) {
  const subscriber = redis?.duplicate();
  const pubsub = createPubSub<{ account: [userId: string, event: AccountEventMessage] }>(
    redis && subscriber
      ? { eventTarget: createRedisEventTarget({ publishClient: redis, subscribeClient: subscriber }) }
      : {},
  );
  return Object.assign(pubsub, {
    async close() {
      await subscriber?.quit().catch(() => undefined);
    },
  });
}

export type Events = ReturnType<typeof createEvents>;

export function publishAccountEvent(events: Events, userId: string, kind: AccountEventKind): void {
  events.publish('account', userId, { kind, userId, at: new Date().toISOString() });
}
