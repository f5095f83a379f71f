import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, type ValidationContext, type ASTVisitor } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import { ErrorCode } from '../errors.js';

/** Fields that check a password or spend a credential: one per request, however aliased. */
export const CREDENTIAL_FIELDS = new Set([
  'login',
  'signup',
  'changePassword',
  'refresh',
  // A second factor's code is a credential too: six digits must not be tried 15 to a request.
  'verifyLogin',
  'reauthenticate',
  'setupTotp',
  'disableTotp',
]);

const ONE_CREDENTIAL_FIELD = `Only one ${[...CREDENTIAL_FIELDS].slice(0, -1).join(', ')} or ${[...CREDENTIAL_FIELDS].at(-1)} per request`;

/**
 * Aliases (`a: login(...) b: login(...)`) would otherwise turn one request into many password
 * guesses, each looking like one HTTP request to anything counting requests.
 */
export function oneCredentialFieldRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const hits = node.selectionSet.selections.filter(
        (s) => s.kind === Kind.FIELD && CREDENTIAL_FIELDS.has(s.name.value),
      );
      if (hits.length > 1) {
        context.reportError(
          new GraphQLError(ONE_CREDENTIAL_FIELD, {
            nodes: hits,
            extensions: { code: ErrorCode.BAD_USER_INPUT },
          }),
        );
      }
    },
  };
}

/**
 * GraphQL Armor's protections (depth, aliases, tokens, directives, cost) with its defaults,
 * field suggestions hidden where introspection is off, and the one-credential-field rule.
 */
export function useGraphQLLimits(config: Pick<Config, 'limits' | 'introspection'>): Plugin[] {
  const { limits } = config;
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
      maxAliases: { n: limits.maxAliases },
      maxTokens: { n: limits.maxTokens },
      maxDirectives: { n: limits.maxDirectives },
      costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
      // "Did you mean ...?" leaks the schema that disabled introspection hides.
      blockFieldSuggestion: { enabled: !config.introspection },
    }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(oneCredentialFieldRule);
      },
    },
  ];
}
