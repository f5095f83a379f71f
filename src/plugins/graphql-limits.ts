import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import { useOneCredentialOperation } from '../auth/credential-fields.js';

/**
 * GraphQL Armor's protections (depth, aliases, tokens, directives, cost) with its defaults,
 * field suggestions hidden where introspection is off, and one credential operation per request.
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
    useOneCredentialOperation(),
  ];
}
