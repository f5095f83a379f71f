import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import { useOneCredentialOperation } from '../auth/credential-fields.js';

/**
 * GraphQL Armor's protections (depth, aliases, tokens, directives, cost) with its defaults,
 * and one credential operation per request. (Suggestions are hidden by src/plugins/error-hygiene.ts.)
 */
export function useGraphQLLimits(config: Pick<Config, 'limits'>): Plugin[] {
  const { limits } = config;
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
      maxAliases: { n: limits.maxAliases },
      maxTokens: { n: limits.maxTokens },
      maxDirectives: { n: limits.maxDirectives },
      costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
      // "Did you mean ...?" is removed from every error, whatever phase, by useErrorHygiene.
      blockFieldSuggestion: { enabled: false },
    }) as Plugin,
    useOneCredentialOperation(),
  ];
}
