import type { MutationResolvers, PasskeyResolvers, QueryResolvers } from '../generated/graphql.js';
import { transportsOf } from '../passkeys/relying-party.js';
import { originOf } from '../security/security-log.js';
import {
  finishPasskeyLogin,
  finishPasskeyRegistration,
  listPasskeys,
  removePasskey,
  renamePasskey,
  startPasskeyLogin,
  startPasskeyRegistration,
} from '../users/passkeys.js';
import { payload } from './mutation.js';

/** The fields of schema/passkeys.graphql; spread into Query and Mutation in index.ts. */
export const PasskeyQuery: Pick<QueryResolvers, 'passkeys'> = {
  passkeys: (_parent, _args, { services, caller }) => listPasskeys(services, caller.id),
};

export const PasskeyMutation: Pick<
  MutationResolvers,
  | 'startPasskeyRegistration'
  | 'finishPasskeyRegistration'
  | 'startPasskeyLogin'
  | 'finishPasskeyLogin'
  | 'removePasskey'
  | 'renamePasskey'
> = {
  startPasskeyRegistration: (_parent, _args, { services, caller }) => startPasskeyRegistration(services, caller.user),

  finishPasskeyRegistration: (_parent, { response, name }, ctx) =>
    finishPasskeyRegistration(ctx.services, ctx.caller.user, response, name, originOf(ctx)),

  startPasskeyLogin: (_parent, { email }, { services }) => startPasskeyLogin(services, email),

  finishPasskeyLogin: async (_parent, { response }, ctx) =>
    payload(ctx, await finishPasskeyLogin(ctx.services, response, originOf(ctx))),

  removePasskey: (_parent, { id }, ctx) => removePasskey(ctx.services, ctx.caller.user, id, originOf(ctx)),

  renamePasskey: (_parent, { id, name }, { services, caller }) => renamePasskey(services, caller.id, id, name),
};

/** `Passkey` fields that are not entity properties. */
export const Passkey: PasskeyResolvers = {
  synced: (p) => p.backupEligible,
  transports: (p) => transportsOf(p),
};
