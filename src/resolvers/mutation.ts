import { clearRefreshCookie, deliverRefreshToken, receiveRefreshToken } from '../auth/refresh-transport.js';
import type { GraphQLContext } from '../context.js';
import { originOf } from '../security/security-log.js';
import { logoutByRefreshToken, logoutSession } from '../users/session-control.js';
import type { MutationResolvers } from '../generated/graphql.js';
import {
  changePassword,
  deleteAccount,
  login,
  refreshSession,
  setRole,
  signOutEverywhere,
  signup,
  updateProfile,
  proofOf,
  type Session,
} from '../users/accounts.js';

/** AuthPayload as the client gets it: the refresh token in the body or in the cookie. */
export async function payload(context: GraphQLContext, session: Session) {
  return {
    token: session.token,
    refreshToken: await deliverRefreshToken(context, session.refresh),
    user: session.user,
  };
}

export const Mutation: MutationResolvers = {
  signup: async (_parent, { input }, ctx) => payload(ctx, await signup(ctx.services, input, originOf(ctx))),

  login: async (_parent, { email, password }, ctx) =>
    payload(ctx, await login(ctx.services, email, password, originOf(ctx))),

  changePassword: async (_parent, { currentPassword, newPassword }, ctx) =>
    payload(
      ctx,
      await changePassword(
        ctx.services,
        ctx.caller.user,
        currentPassword,
        newPassword,
        originOf(ctx),
        proofOf(ctx.caller.claims),
      ),
    ),

  refresh: async (_parent, { refreshToken }, ctx) =>
    payload(
      ctx,
      await refreshSession(
        ctx.services,
        await receiveRefreshToken(ctx, refreshToken),
        originOf(ctx),
        new Date(ctx.receivedAt),
      ),
    ),

  logout: async (_parent, { refreshToken }, ctx) => {
    try {
      let token: string;
      try {
        token = await receiveRefreshToken(ctx, refreshToken);
      } catch (e) {
        // No refresh token (none given, no cookie): the session of the access token sent ends.
        const caller = await ctx.viewer();
        if (!caller?.claims.sid) throw e;
        return await logoutSession(ctx.services, caller.id, caller.claims.sid, originOf(ctx));
      }
      return await logoutByRefreshToken(ctx.services, token, originOf(ctx));
    } finally {
      await clearRefreshCookie(ctx);
    }
  },

  logoutAll: async (_parent, _args, ctx) => {
    await signOutEverywhere(ctx.services, ctx.caller.id, originOf(ctx));
    await clearRefreshCookie(ctx);
    return true;
  },

  // The id comes from the verified token, never from the client.
  deleteUser: (_parent, _args, { services, caller }) => deleteAccount(services, caller.id, caller.id),

  updateMe: (_parent, { input }, { services, caller }) => updateProfile(services, caller.id, input),

  removeUser: (_parent, { id }, { services, caller }) => deleteAccount(services, id, caller.id),

  setUserRole: (_parent, { id, role }, { services, caller }) => setRole(services, id, role, caller.id),
};
