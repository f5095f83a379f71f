import { getDirective } from '@graphql-tools/utils';
import type { GraphQLField, GraphQLFieldConfig, GraphQLNamedType, GraphQLSchema } from 'graphql';
import type { Role } from '../db/entities/user.js';

export const AUTH_DIRECTIVE = 'auth';
export const PUBLIC_DIRECTIVE = 'public';

/**
 * What `@auth` asks of the caller, read from the directive's arguments in one place
 * (`authRuleOf`). A new argument of `@auth` (a maximum token age, an exemption from e-mail
 * verification) becomes one more field here, read in authRuleOf and checked in policy.ts; the
 * directive transformer, lint:auth and the descriptions pick it up without changing.
 */
export interface AuthRule {
  /** The lowest role allowed. */
  requires: Role;
  /**
   * Open to callers whose e-mail address is not verified yet, when EMAIL_VERIFICATION_REQUIRED
   * is on (`@auth(allowUnverified: true)`); every other `@auth` field refuses them.
   */
  allowUnverified: boolean;
}

/**
 * What one field requires, by one precedence for every reader:
 * - the field's own `@auth` wins over its type's (`type Report @auth(requires: ADMIN)` with
 *   `summary: String @auth` lets users read the summary);
 * - otherwise its object type's `@auth` applies to it;
 * - otherwise `@public` on the field makes it deliberately open;
 * - otherwise nothing is said (`none`): a root field must not be left so (deny by default).
 * `@public` where an `@auth` also applies is a contradiction: the field stays guarded (fail
 * closed) and `conflict` is set, so the schema refuses to build.
 */
export type FieldRequirement =
  | (AuthRule & { kind: 'auth'; from: 'field' | 'type'; conflict: boolean })
  | { kind: 'public' }
  | { kind: 'none' };

type Directable = Parameters<typeof getDirective>[1];

/** The rule of an `@auth` directive's arguments (defaults as in schema/directives.graphql). */
export function authRuleOf(args: Record<string, unknown>): AuthRule {
  return { requires: (args.requires as Role | undefined) ?? 'USER', allowUnverified: args.allowUnverified === true };
}

export function fieldRequirement(
  schema: GraphQLSchema,
  type: GraphQLNamedType,
  field: GraphQLField<unknown, unknown> | GraphQLFieldConfig<unknown, unknown>,
): FieldRequirement {
  const own = getDirective(schema, field as Directable, AUTH_DIRECTIVE)?.[0];
  const inherited = own ? undefined : getDirective(schema, type as Directable, AUTH_DIRECTIVE)?.[0];
  const isPublic = Boolean(getDirective(schema, field as Directable, PUBLIC_DIRECTIVE)?.[0]);
  const auth = own ?? inherited;
  if (auth) return { kind: 'auth', ...authRuleOf(auth), from: own ? 'field' : 'type', conflict: isPublic };
  return isPublic ? { kind: 'public' } : { kind: 'none' };
}
