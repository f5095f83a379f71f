import type { MutationResolvers, UserResolvers } from '../generated/graphql.js';
import { requestPasswordReset, resetPassword } from '../users/recovery.js';
import { requestEmailChange, resendVerification, verifyEmail } from '../users/verification.js';
import { originOf } from '../security/security-log.js';
import { payload } from './mutation.js';

/** Password reset, address verification and e-mail change: the mutations that mail a link. */
export const RecoveryMutation: Pick<
  MutationResolvers,
  'requestPasswordReset' | 'resetPassword' | 'verifyEmail' | 'resendVerificationEmail' | 'requestEmailChange'
> = {
  requestPasswordReset: (_parent, { email }, ctx) => requestPasswordReset(ctx.services, email, originOf(ctx)),

  // `code`: the second factor, required when the account has TOTP on (src/users/second-factor.ts).
  resetPassword: async (_parent, { token, newPassword, code }, ctx) =>
    payload(ctx, await resetPassword(ctx.services, token, newPassword, originOf(ctx), code)),

  // The security log keeps the address and User-Agent of the request that confirmed (the link's browser).
  verifyEmail: (_parent, { token }, ctx) => verifyEmail(ctx.services, token, originOf(ctx)),

  resendVerificationEmail: (_parent, _args, ctx) =>
    resendVerification(ctx.services, ctx.caller.user, ctx.clientAddress),

  requestEmailChange: (_parent, { newEmail, currentPassword }, ctx) =>
    requestEmailChange(ctx.services, ctx.caller.user, newEmail, currentPassword, ctx.clientAddress),
};

export const User: UserResolvers = {
  emailVerified: (user) => user.emailVerifiedAt !== null && user.emailVerifiedAt !== undefined,
};
