import type { SecurityEventEntity } from '../db/entities/security-event.js';
import { notFound } from '../errors.js';
import type {
  MutationResolvers,
  QueryResolvers,
  SecurityEventResolvers,
  SessionResolvers,
} from '../generated/graphql.js';
import { exportAccountData } from '../security/data-export.js';
import { originOf } from '../security/security-log.js';
import type { Services } from '../services.js';
import { revokeOtherSessions, revokeSession } from '../users/session-control.js';
import { assertPageSize, keysetCursor } from './pagination.js';

/** The security center: sessions, the security log and the data export (schema/security.graphql). */

const eventCursor = keysetCursor('event');

async function eventPage(services: Services, userId: string, first: number, after: string | null | undefined) {
  assertPageSize(first);
  const beforeId = after == null ? null : eventCursor.decode(after);
  const { events, hasNextPage } = await services.securityLog.page(userId, first, beforeId);
  const edges = events.map((node: SecurityEventEntity) => ({ cursor: eventCursor.encode(node.id), node }));
  return { edges, nodes: events, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}

export const SecurityQuery: Pick<
  QueryResolvers,
  'sessions' | 'securityEvents' | 'userSecurityEvents' | 'exportMyData'
> = {
  sessions: (_parent, _args, { services, caller }) => services.sessions.list(caller.id),

  securityEvents: (_parent, { first, after }, { services, caller }) => eventPage(services, caller.id, first, after),

  userSecurityEvents: async (_parent, { userId, first, after }, { services }) => {
    if (!(await services.users.findById(userId))) throw notFound('No such user');
    return eventPage(services, userId, first, after);
  },

  // Step-up in the schema (`@auth(maxAge: 600)`): the directive has refused a stale sign-in already.
  exportMyData: async (_parent, _args, ctx) => {
    const document = await exportAccountData(ctx.services, ctx.caller.user, ctx.caller.claims.sid);
    await ctx.services.securityLog.record('DATA_EXPORTED', { userId: ctx.caller.id, ctx });
    return document;
  },
};

export const SecurityMutation: Pick<MutationResolvers, 'revokeSession' | 'revokeOtherSessions'> = {
  revokeSession: (_parent, { id }, ctx) => revokeSession(ctx.services, ctx.caller.id, id, originOf(ctx)),
  revokeOtherSessions: (_parent, _args, ctx) => revokeOtherSessions(ctx.services, ctx.caller.id, originOf(ctx)),
};

export const Session: SessionResolvers = {
  // The caller is loaded once per request (memoised); `sessions` is @auth, so it is there.
  current: async (session, _args, ctx) => (await ctx.viewer())?.claims.sid === session.id,
};

export const SecurityEvent: SecurityEventResolvers = {
  at: (event) => event.at,
};
