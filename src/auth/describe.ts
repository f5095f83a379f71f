import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { isObjectType, Kind, type GraphQLSchema } from 'graphql';
import type { Role } from '../db/entities/user.js';
import { fieldRequirement } from './requirement.js';

/**
 * Introspection carries descriptions but not applied directives, so `@auth` and `@public` are
 * invisible to GraphiQL's Docs, codegen and every tool that reads the introspection JSON.
 * These helpers turn them into something clients can see: a map (schema.auth.json) and a
 * sentence at the end of each field's description.
 */

/** The published form (schema.auth.json): what a client needs to know of a FieldRequirement. */
export type AuthRequirement = { auth: true; requires: Role; allowUnverified?: true } | { auth: false };

/** `Type.field` -> what it needs, for every field under `@auth` and every `@public` root field. */
export function authRequirements(schema: GraphQLSchema): Record<string, AuthRequirement> {
  const out: Record<string, AuthRequirement> = {};
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const requirement = fieldRequirement(schema, type, field);
      if (requirement.kind === 'auth')
        out[`${type.name}.${field.name}`] = {
          auth: true,
          requires: requirement.requires,
          ...(requirement.allowUnverified ? { allowUnverified: true as const } : {}),
        };
      else if (requirement.kind === 'public' && roots.has(type)) out[`${type.name}.${field.name}`] = { auth: false };
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The sentence a field's description ends with. */
export function authSentence(req: AuthRequirement): string {
  if (!req.auth) return 'Public: no token needed.';
  const unverified = req.allowUnverified ? ' Open to accounts whose e-mail is not verified yet.' : '';
  if (req.requires === 'USER') {
    return `Requires a token (\`Authorization: Bearer <token>\`); without a valid one: UNAUTHENTICATED.${unverified}`;
  }
  return `Requires a token of a ${req.requires} (\`Authorization: Bearer <token>\`); without a valid one: UNAUTHENTICATED; with a lower role: FORBIDDEN.${unverified}`;
}

/** The schema with each field's auth requirement appended to its description (idempotent). */
export function describeAuth(schema: GraphQLSchema): GraphQLSchema {
  const reqs = authRequirements(schema);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const req = reqs[`${typeName}.${fieldName}`];
      if (!req) return fieldConfig;
      const sentence = authSentence(req);
      const description = fieldConfig.description ?? '';
      if (description.includes(sentence)) return fieldConfig;
      const next = description ? `${description}\n\n${sentence}` : sentence;
      // Printers read the AST node's description, introspection the config's: change both.
      const astNode = fieldConfig.astNode && {
        ...fieldConfig.astNode,
        description: { kind: Kind.STRING as const, value: next, block: true },
      };
      return { ...fieldConfig, description: next, astNode };
    },
  });
}
