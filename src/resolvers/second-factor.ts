import { originOf } from '../security/security-log.js';
import type { MutationResolvers, UserResolvers } from '../generated/graphql.js';
import {
  confirmTotp,
  disableTotp,
  reauthenticate,
  resetUserTotp,
  setupTotp,
  verifyLogin,
} from '../users/second-factor.js';
import { payload } from './mutation.js';

/** The mutations of schema/mfa.graphql; spread into Mutation in index.ts. */
export const SecondFactorMutation: Pick<
  MutationResolvers,
  'setupTotp' | 'confirmTotp' | 'disableTotp' | 'verifyLogin' | 'reauthenticate' | 'resetUserTotp'
> = {
  setupTotp: (_parent, { currentPassword }, { services, caller, clientAddress }) =>
    setupTotp(services, caller.user, currentPassword, clientAddress),

  confirmTotp: (_parent, { code }, ctx) => confirmTotp(ctx.services, ctx.caller.user, code, originOf(ctx)),

  disableTotp: (_parent, { code }, ctx) => disableTotp(ctx.services, ctx.caller.user, code, originOf(ctx)),

  verifyLogin: async (_parent, { challenge, code }, ctx) =>
    payload(ctx, await verifyLogin(ctx.services, challenge, code, originOf(ctx))),

  reauthenticate: async (_parent, { password, code }, ctx) =>
    payload(
      ctx,
      await reauthenticate(ctx.services, ctx.caller.user, password, code, originOf(ctx), ctx.caller.claims.sid),
    ),

  resetUserTotp: (_parent, { id }, { services, caller }) => resetUserTotp(services, id, caller.id),
};

/** `User` fields that are not entity properties. */
export const User: Pick<UserResolvers, 'totpEnabled' | 'recoveryCodesRemaining'> = {
  totpEnabled: (user, _args, { services }) => services.mfa.isEnabled(user.id),
  recoveryCodesRemaining: (user, _args, { services }) => services.mfa.unusedRecoveryCodes(user.id),
};
