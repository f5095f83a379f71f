import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  isObjectType,
} from 'graphql';
import type { Authenticates, Caller } from './caller.js';
import { requireAuth, requireAuthNow } from './policy.js';
import { type AuthRule, fieldRequirement } from './requirement.js';

type Resolver = GraphQLFieldResolver<unknown, Authenticates>;

function guard(next: Resolver, rule: AuthRule): Resolver {
  // The resolver gets the checked caller in its context and never sees the token.
  const run = (
    caller: Caller,
    source: unknown,
    args: Record<string, unknown>,
    context: Authenticates,
    info: GraphQLResolveInfo,
  ) => {
    const authed: Authenticates & { caller: Caller } = { ...context, caller };
    return next(source, args, authed, info);
  };
  return (source, args, context, info) => {
    // The same rule either way; when the caller is known already (a token seen before, nothing
    // committed since), the resolver runs in this tick instead of after a chain of promises.
    const known = requireAuthNow(context, rule);
    if (known) return run(known, source, args, context, info);
    return requireAuth(context, rule).then((caller) => run(caller, source, args, context, info));
  };
}

/**
 * Wraps every field carrying `@auth` (directly, or through its object type) so that it runs only
 * for a caller with the required role. `subscribe` is wrapped as well as `resolve`, so a
 * subscription cannot be opened without a token.
 */
export function authDirectiveTransformer(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
      const requirement = fieldRequirement(schema, schema.getType(typeName)!, fieldConfig);
      if (requirement.kind !== 'auth') return fieldConfig;
      const { resolve = defaultFieldResolver, subscribe } = fieldConfig;
      return {
        ...fieldConfig,
        resolve: guard(resolve as Resolver, requirement),
        ...(subscribe ? { subscribe: guard(subscribe as Resolver, requirement) } : {}),
      };
    },
  });
}

/**
 * Deny by default: every root field must say `@auth` or `@public`, and no field anywhere may say
 * both (directly or through its type). Returns what is wrong, so a forgotten directive fails the
 * build, not production.
 */
export function findUndecidedRootFields(schema: GraphQLSchema): string[] {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  const problems: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const requirement = fieldRequirement(schema, type, field);
      if (requirement.kind === 'none' && roots.has(type))
        problems.push(`${type.name}.${field.name} has neither @auth nor @public`);
      if (requirement.kind === 'auth' && requirement.conflict)
        problems.push(`${type.name}.${field.name} has both @auth and @public`);
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
