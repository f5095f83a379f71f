import { makeExecutableSchema } from '@graphql-tools/schema';
import { type GraphQLObjectType, type GraphQLSchema, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type AuthRequirement, authRequirements, authSentence, describeAuth } from '../src/auth/describe.js';
import { findUndecidedRootFields } from '../src/auth/directive.js';
import { fieldRequirement } from '../src/auth/requirement.js';
import { buildSchema, loadTypeDefs } from '../src/schema.js';

const directives = loadTypeDefs().filter((t) => t.includes('directive @auth'));
const schemaOf = (sdl: string) => makeExecutableSchema({ typeDefs: [...directives, sdl] });

const SDL = /* GraphQL */ `
  type Report @auth(requires: ADMIN) { total: Int! summary: String! @auth(requires: USER) }
  type Secret @auth { code: String! }
  type Profile { name: String! }
  type Query {
    open: String @public
    whoami: String @auth
    admin: String @auth(requires: ADMIN)
    newcomer: String @auth(allowUnverified: true)
    report: Report @public
    forgotten: String
  }
`;

function req(schema: GraphQLSchema, coordinate: string) {
  const [typeName, fieldName] = coordinate.split('.') as [string, string];
  const type = schema.getType(typeName) as GraphQLObjectType;
  return fieldRequirement(schema, type, type.getFields()[fieldName]!);
}

describe('fieldRequirement: what a field requires, one precedence for every reader', () => {
  const schema = schemaOf(SDL);

  it.each([
    // field level: @auth on the field, with the directive's default role and an explicit one
    ['Query.whoami', { kind: 'auth', requires: 'USER', from: 'field', conflict: false, allowUnverified: false }],
    ['Query.admin', { kind: 'auth', requires: 'ADMIN', from: 'field', conflict: false, allowUnverified: false }],
    // open to accounts whose e-mail is not verified yet (EMAIL_VERIFICATION_REQUIRED)
    ['Query.newcomer', { kind: 'auth', requires: 'USER', from: 'field', conflict: false, allowUnverified: true }],
    // type level: every field of an @auth type, with the type's role
    ['Secret.code', { kind: 'auth', requires: 'USER', from: 'type', conflict: false, allowUnverified: false }],
    ['Report.total', { kind: 'auth', requires: 'ADMIN', from: 'type', conflict: false, allowUnverified: false }],
    // a field's own @auth wins over its type's, in both directions
    ['Report.summary', { kind: 'auth', requires: 'USER', from: 'field', conflict: false, allowUnverified: false }],
    // @public, and the default when nothing is said
    ['Query.open', { kind: 'public' }],
    ['Query.report', { kind: 'public' }],
    ['Query.forgotten', { kind: 'none' }],
    ['Profile.name', { kind: 'none' }],
  ])('%s', (coordinate, expected) => {
    expect(req(schema, coordinate)).toEqual(expected);
  });

  it('@public where an @auth applies stays guarded and is flagged as a conflict', () => {
    const s = schemaOf('type Query { both: String @auth @public t: T @public } type T @auth { x: String @public }');
    expect(req(s, 'Query.both')).toMatchObject({ kind: 'auth', requires: 'USER', conflict: true });
    expect(req(s, 'T.x')).toMatchObject({ kind: 'auth', from: 'type', conflict: true });
    expect(findUndecidedRootFields(s)).toEqual([
      'Query.both has both @auth and @public',
      'T.x has both @auth and @public',
    ]);
  });
});

describe('the directive, lint:auth and the descriptions all follow it', () => {
  it('lint:auth names the root fields whose requirement is none', () => {
    expect(findUndecidedRootFields(schemaOf(SDL))).toEqual(['Query.forgotten has neither @auth nor @public']);
  });

  it('the published map and every description say what fieldRequirement says, field by field', () => {
    const schema = buildSchema();
    const described = describeAuth(schema);
    const published = authRequirements(schema);
    const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
    let guarded = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const r = fieldRequirement(schema, type, field);
        const expected: AuthRequirement | undefined =
          r.kind === 'auth'
            ? { auth: true, requires: r.requires, ...(r.allowUnverified ? { allowUnverified: true as const } : {}) }
            : r.kind === 'public' && roots.has(type)
              ? { auth: false }
              : undefined;
        expect(published[coordinate], coordinate).toEqual(expected);
        const description =
          (described.getType(type.name) as GraphQLObjectType).getFields()[field.name]!.description ?? '';
        if (expected) expect(description, coordinate).toContain(authSentence(expected));
        if (r.kind === 'auth') guarded += 1;
      }
    }
    expect(guarded).toBeGreaterThan(5);
  });
});
