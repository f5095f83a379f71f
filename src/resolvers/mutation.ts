import type { MutationResolvers } from '../generated/graphql.js';
import { notFound } from '../errors.js';
import { changePassword, deleteAccount, login, signup, updateProfile } from '../users/accounts.js';

export const Mutation: MutationResolvers = {
  signup: (_parent, { input }, { services }) => signup(services, input),

  login: (_parent, { email, password }, { services }) => login(services, email, password),

  changePassword: (_parent, { currentPassword, newPassword }, { services, caller }) =>
    changePassword(services, caller.user, currentPassword, newPassword),

  // The id comes from the verified token, never from the client.
  deleteUser: (_parent, _args, { services, caller }) => deleteAccount(services, caller.id, caller.id),

  updateMe: (_parent, { input }, { services, caller }) => updateProfile(services, caller.id, input),

  removeUser: (_parent, { id }, { services, caller }) => deleteAccount(services, id, caller.id),

  setUserRole: async (_parent, { id, role }, { services, caller }) => {
    // A role change refuses the account's older tokens, so a demotion counts at once.
    const user = await services.users.update(id, { role, bumpTokenVersion: true });
    if (!user) throw notFound('No such user');
    services.logger.info('role changed', { userId: id, role, by: caller.id });
    return user;
  },
};
