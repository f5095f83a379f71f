import { hasRole } from '../auth/policy.js';
import type { UserProfileResolvers } from '../generated/graphql.js';

// `User` needs no resolvers: every field is an entity property of the same name.

export const UserProfile: UserProfileResolvers = {
  email: async (user, _args, { viewer }) => {
    const caller = await viewer();
    return caller && (caller.id === user.id || hasRole(caller, 'ADMIN')) ? user.email : null;
  },
};
