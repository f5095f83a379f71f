import type { GraphQLResolveInfo } from 'graphql';
import type { AuthedContext } from '../context.js';

/**
 * The resolver type codegen gives every field marked `@auth` (see directiveResolverMappings in
 * codegen.ts): the directive has run, so `context.caller` is the checked, non-null caller.
 */
export type AuthResolver<TResult, TParent = object, _TContext = unknown, TArgs = Record<string, unknown>> = (
  parent: TParent,
  args: TArgs,
  context: AuthedContext,
  info: GraphQLResolveInfo,
) => Promise<TResult> | TResult;
