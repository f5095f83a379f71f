import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import { Mutation } from './mutation.js';
import { Passkey, PasskeyMutation, PasskeyQuery } from './passkeys.js';
import { Query } from './query.js';
import { RecoveryMutation, User as RecoveryUser } from './recovery.js';
import { SecondFactorMutation, User as SecondFactorUser } from './second-factor.js';
import { SecurityEvent, SecurityMutation, SecurityQuery, Session } from './security.js';
import { AccountEvent, Subscription } from './subscription.js';
import { UserProfile } from './user.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query: { ...Query, ...SecurityQuery, ...PasskeyQuery },
  Mutation: { ...Mutation, ...RecoveryMutation, ...SecondFactorMutation, ...SecurityMutation, ...PasskeyMutation },
  Passkey,
  Session,
  SecurityEvent,
  Subscription,
  AccountEvent,
  UserProfile,
  User: { ...RecoveryUser, ...SecondFactorUser },
};
