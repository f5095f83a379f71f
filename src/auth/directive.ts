import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Authenticates, Caller } from './caller.js';
import type { Role } from '../db/entities/user.js';
import { type AuthPolicy, requireAuth } from './policy.js';

export const AUTH_DIRECTIVE = 'auth';
export const PUBLIC_DIRECTIVE = 'public';

type Resolver = GraphQLFieldResolver<unknown, Authenticates>;

function guard(next: Resolver, policy: AuthPolicy): Resolver {
  return async (source, args, context, info) => {
    const caller = await requireAuth(context, policy);
    // The resolver gets the checked caller in its context and never sees the token.
    const authed: Authenticates & { caller: Caller } = { ...context, caller };
    return next(source, args, authed, info);
  };
}

/** An applied `@auth(requires:, maxAge:)` as the policy takes it. */
export function authPolicyOf(directive: Record<string, unknown>): AuthPolicy {
  const requires = (directive.requires ?? 'USER') as Role;
  const maxAge = typeof directive.maxAge === 'number' ? directive.maxAge : undefined;
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0)) {
    throw new Error(`@auth(maxAge: ${maxAge}): must be a whole number of seconds, 0 or more`);
  }
  return maxAge === undefined ? { requires } : { requires, maxAge };
}

/**
 * Wraps every field carrying `@auth` (directly, or through its object type) so that it runs only
 * for a caller with the required role and, under `maxAge`, a recent enough sign-in. `subscribe` is wrapped as well as `resolve`, so a
 * subscription cannot be opened without a token.
 */
export function authDirectiveTransformer(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
      const own = getDirective(schema, fieldConfig, AUTH_DIRECTIVE)?.[0];
      const inherited = own ? undefined : getDirective(schema, schema.getType(typeName)!, AUTH_DIRECTIVE)?.[0];
      const directive = own ?? inherited;
      if (!directive) return fieldConfig;
      const policy = authPolicyOf(directive);
      const { resolve = defaultFieldResolver, subscribe } = fieldConfig;
      return {
        ...fieldConfig,
        resolve: guard(resolve as Resolver, policy),
        ...(subscribe ? { subscribe: guard(subscribe as Resolver, policy) } : {}),
      };
    },
  });
}

/**
 * Deny by default: every root field must say `@auth` or `@public`. Returns the names of the
 * fields that say neither (or both), so a forgotten directive fails the build, not production.
 */
export function findUndecidedRootFields(schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    const typeAuth = getDirective(schema, root, AUTH_DIRECTIVE)?.[0];
    for (const field of Object.values(root.getFields())) {
      const auth = typeAuth ?? getDirective(schema, field, AUTH_DIRECTIVE)?.[0];
      const pub = getDirective(schema, field, PUBLIC_DIRECTIVE)?.[0];
      if (!auth && !pub) problems.push(`${root.name}.${field.name} has neither @auth nor @public`);
      if (auth && pub) problems.push(`${root.name}.${field.name} has both @auth and @public`);
    }
  }
  return problems;
}

export class UndecidedFieldsError extends Error {
  constructor(readonly fields: string[]) {
    super(
      `Every Query, Mutation and Subscription field must be marked @auth or @public:\n  - ${fields.join('\n  - ')}`,
    );
    this.name = 'UndecidedFieldsError';
  }
}

export function assertEveryRootFieldDecided(schema: GraphQLSchema): void {
  const fields = findUndecidedRootFields(schema);
  if (fields.length > 0) throw new UndecidedFieldsError(fields);
}
