import { createPubSub } from 'graphql-yoga';
import type { UserEntity } from './db/entities/user.js';

export type AccountEventKind = 'PROFILE_UPDATED' | 'PASSWORD_CHANGED' | 'ROLE_CHANGED' | 'SIGNED_OUT_EVERYWHERE' | 'DELETED';

export interface AccountEvent {
  kind: AccountEventKind;
  user: UserEntity | null;
  at: Date;
}

/** Account events, one topic per user id. In memory: one instance sees its own publishes. */
export function createEvents() {
  return createPubSub<{ account: [userId: string, event: AccountEvent] }>();
}

export type Events = ReturnType<typeof createEvents>;

export function publishAccountEvent(events: Events, userId: string, kind: AccountEventKind, user: UserEntity | null): void {
  events.publish('account', userId, { kind, user, at: new Date() });
}
