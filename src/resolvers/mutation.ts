import { clearRefreshCookie, deliverRefreshToken, receiveRefreshToken } from '../auth/refresh-transport.js';
import type { GraphQLContext } from '../context.js';
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
  signup: async (_parent, { input }, ctx) => payload(ctx, await signup(ctx.services, input)),

  login: async (_parent, { email, password }, ctx) =>
    payload(ctx, await login(ctx.services, email, password, ctx.clientAddress)),

  changePassword: async (_parent, { currentPassword, newPassword }, ctx) =>
    payload(ctx, await changePassword(ctx.services, ctx.caller.user, currentPassword, newPassword, ctx.clientAddress)),

  refresh: async (_parent, { refreshToken }, ctx) =>
    payload(ctx, await refreshSession(ctx.services, await receiveRefreshToken(ctx, refreshToken))),

  logout: async (_parent, { refreshToken }, ctx) => {
    let revoked = false;
    try {
      revoked = await ctx.services.refreshTokens.revoke(await receiveRefreshToken(ctx, refreshToken));
    } finally {
      await clearRefreshCookie(ctx);
    }
    return revoked;
  },

  logoutAll: async (_parent, _args, ctx) => {
    await signOutEverywhere(ctx.services, ctx.caller.id);
    await clearRefreshCookie(ctx);
    return true;
  },

  // The id comes from the verified token, never from the client.
  deleteUser: (_parent, _args, { services, caller }) => deleteAccount(services, caller.id, caller.id),

  updateMe: (_parent, { input }, { services, caller }) => updateProfile(services, caller.id, input),

  removeUser: (_parent, { id }, { services, caller }) => deleteAccount(services, id, caller.id),

  setUserRole: (_parent, { id, role }, { services, caller }) => setRole(services, id, role, caller.id),
};
