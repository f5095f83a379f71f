import fs from 'node:fs';
import path from 'node:path';
import { buildClientSchema, buildSchema as parseSdl, getIntrospectionQuery, OperationTypeNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_FILES, publishSchema } from '../src/publish.js';
import { createTestApp } from './helpers/app.js';

const read = (file: string) => fs.readFileSync(path.resolve(file), 'utf8');

describe('the published schema (schema.graphql, schema.introspection.json, schema.auth.json)', () => {
  const fresh = publishSchema();

  it.each(Object.entries(PUBLISHED_FILES) as Array<[keyof typeof PUBLISHED_FILES, string]>)(
    '%s file is up to date with schema/*.graphql (run `npm run schema:print` when this fails)',
    (kind, file) => {
      expect(fs.existsSync(file), `${file} is missing: run npm run schema:print`).toBe(true);
      expect(read(file), `${file} is stale: run npm run schema:print and commit it`).toBe(fresh[kind]);
    },
  );

  it('the SDL carries directive definitions, applied directives and descriptions', () => {
    const sdl = read(PUBLISHED_FILES.sdl);
    expect(sdl).toContain(
      'directive @auth(allowUnverified: Boolean = false, requires: Role = USER) on FIELD_DEFINITION | OBJECT',
    );
    expect(sdl).toContain('directive @public on FIELD_DEFINITION');
    expect(sdl).toMatch(/me: User! @auth\(allowUnverified: true\)\n/);
    expect(sdl).toContain("The caller's own account.");
    // It parses as a schema on its own.
    expect(() => parseSdl(sdl)).not.toThrow();
  });

  it('the auth map says which operations need a token and which role', () => {
    const auth = JSON.parse(read(PUBLISHED_FILES.auth));
    // Open to unverified accounts when EMAIL_VERIFICATION_REQUIRED is on: see itself, leave.
    expect(auth['Query.me']).toEqual({ auth: true, requires: 'USER', allowUnverified: true });
    expect(auth['Mutation.deleteUser']).toEqual({ auth: true, requires: 'USER', allowUnverified: true });
    expect(auth['Mutation.changePassword']).toEqual({ auth: true, requires: 'USER' });
    expect(auth['Mutation.requestPasswordReset']).toEqual({ auth: false });
    expect(auth['Mutation.setUserRole']).toEqual({ auth: true, requires: 'ADMIN' });
    expect(auth['Mutation.login']).toEqual({ auth: false });
    expect(auth['Mutation.signup']).toEqual({ auth: false });
  });

  it('the live server introspects to the published schema, auth sentences included', async () => {
    const app = await createTestApp();
    try {
      const res = await app.gql(getIntrospectionQuery({ descriptions: true }));
      const live = buildClientSchema(res.body.data as never);
      const published = buildClientSchema(JSON.parse(read(PUBLISHED_FILES.introspection)));
      // Same types and the same root fields, described the same (the DateTime scalar's description
      // is graphql-scalars' at run time, so whole-schema text differs there only).
      expect(Object.keys(live.getTypeMap()).sort()).toEqual(Object.keys(published.getTypeMap()).sort());
      for (const root of ['Query', 'Mutation'] as const) {
        const describe = (s: typeof live) =>
          Object.fromEntries(
            Object.values(
              s.getRootType(root === 'Query' ? OperationTypeNode.QUERY : OperationTypeNode.MUTATION)!.getFields(),
            ).map((f) => [f.name, f.description]),
          );
        expect(describe(live)).toEqual(describe(published));
      }
      expect(live.getQueryType()!.getFields().me!.description).toContain('Requires a token');
      expect(live.getMutationType()!.getFields().setUserRole!.description).toContain('ADMIN');
    } finally {
      await app.close();
    }
  });
});
