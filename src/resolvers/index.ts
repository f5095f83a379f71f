import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { RecoveryMutation, User } from './recovery.js';
import { AccountEvent, Subscription } from './subscription.js';
import { UserProfile } from './user.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query,
  Mutation: { ...Mutation, ...RecoveryMutation },
  Subscription,
  AccountEvent,
  UserProfile,
  User,
};
