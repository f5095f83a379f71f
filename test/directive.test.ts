import { GraphQLError, graphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUndecidedRootFields, UndecidedFieldsError } from '../src/auth/directive.js';
import { requireRole } from '../src/auth/policy.js';
import type { Caller, GraphQLContext } from '../src/context.js';
import { buildSchema, loadTypeDefs } from '../src/schema.js';
import { createTestApp, makeAdmin, ME, type TestApp } from './helpers/app.js';

const caller = (role: 'USER' | 'ADMIN') => ({ id: 'u1', role }) as Caller;

describe('requireRole, the rule behind @auth', () => {
  it('lets a USER through a USER field and an ADMIN through both', () => {
    expect(requireRole(caller('USER'), 'USER').id).toBe('u1');
    expect(requireRole(caller('ADMIN'), 'USER').id).toBe('u1');
    expect(requireRole(caller('ADMIN'), 'ADMIN').id).toBe('u1');
  });

  it('answers UNAUTHENTICATED without a caller and FORBIDDEN for too low a role', () => {
    expect(() => requireRole(null, 'USER')).toThrowError(
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }),
    );
    expect(() => requireRole(caller('USER'), 'ADMIN')).toThrowError(
      expect.objectContaining({ message: 'This requires the ADMIN role', extensions: { code: 'FORBIDDEN' } }),
    );
  });
});

// A small schema of our own to show what the directive does beyond the product's fields.
const directives = loadTypeDefs().filter((t) => t.includes('directive @auth'));
const SDL = /* GraphQL */ `
  scalar DateTime
  type Secret @auth { code: String! owner: String! }
  type Report @auth(requires: ADMIN) { total: Int! summary: String! @auth(requires: USER) }
  type Query {
    open: String @public
    whoami: String @auth
    secret: Secret @public
    report: Report @public
  }
`;

function run(query: string, authed: Caller | null | 'bad') {
  const schema = buildSchema({
    typeDefs: [...directives, SDL],
    resolvers: {
      Query: {
        open: () => 'open',
        whoami: (_: unknown, __: unknown, ctx: { caller: Caller }) => `id:${ctx.caller.id}`,
        secret: () => ({ code: 's3cr3t' }),
        report: () => ({ total: 42, summary: 'fine' }),
      },
      Secret: { owner: (_: unknown, __: unknown, ctx: { caller: Caller }) => ctx.caller.id },
    } as never,
  });
  const contextValue = {
    authenticate: async () => {
      if (authed === 'bad') throw new GraphQLError('Invalid token', { extensions: { code: 'UNAUTHENTICATED' } });
      return authed;
    },
  } as unknown as GraphQLContext;
  return graphql({ schema, source: query, contextValue });
}

describe('the @auth directive', () => {
  it('hands the resolver the caller id from the token', async () => {
    const res = await run('{ whoami }', caller('USER'));
    expect(res).toEqual({ data: { whoami: 'id:u1' } });
  });

  it('leaves @public fields open to anonymous callers', async () => {
    expect(await run('{ open }', null)).toEqual({ data: { open: 'open' } });
  });

  it('on a type, protects every field of that type', async () => {
    const anon = await run('{ secret { code } }', null);
    expect(anon.data).toEqual({ secret: null });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await run('{ secret { code owner } }', caller('USER'))).toEqual({
      data: { secret: { code: 's3cr3t', owner: 'u1' } },
    });
  });

  it("lets a field's own @auth override its type's", async () => {
    const res = await run('{ report { total summary } }', caller('USER'));
    expect(res.data).toEqual({ report: null });
    expect(res.errors?.[0]).toMatchObject({ path: ['report', 'total'], extensions: { code: 'FORBIDDEN' } });
    const summaryOnly = await run('{ report { summary } }', caller('USER'));
    expect(summaryOnly).toEqual({ data: { report: { summary: 'fine' } } });
    expect(await run('{ report { total summary } }', caller('ADMIN'))).toEqual({
      data: { report: { total: 42, summary: 'fine' } },
    });
  });

  it('refuses a bad token on @auth fields', async () => {
    const res = await run('{ whoami }', 'bad');
    expect(res.errors?.[0]).toMatchObject({ message: 'Invalid token', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('deny by default', () => {
  it('refuses to build a schema whose root field has neither @auth nor @public, naming the field', () => {
    const build = () =>
      buildSchema({
        typeDefs: [
          ...directives,
          'type Query { ok: String @public forgotten: String } type Mutation { alsoForgotten: Int }',
        ],
        resolvers: {} as never,
      });
    expect(build).toThrowError(UndecidedFieldsError);
    expect(build).toThrowError(/Query\.forgotten has neither @auth nor @public/);
    expect(build).toThrowError(/Mutation\.alsoForgotten has neither @auth nor @public/);
  });

  it('refuses a field marked both @auth and @public', () => {
    const build = () =>
      buildSchema({ typeDefs: [...directives, 'type Query { both: String @auth @public }'], resolvers: {} as never });
    expect(build).toThrowError(/Query\.both has both @auth and @public/);
  });

  it('finds every root field of the product schema decided', () => {
    expect(findUndecidedRootFields(buildSchema())).toEqual([]);
  });
});

describe('@auth over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  const ADMIN_ONLY = /* GraphQL */ `mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id role } }`;

  it('answers FORBIDDEN to a plain user on an ADMIN field, and lets an admin through', async () => {
    const user = await app.signup();
    const forbidden = await app.gql(ADMIN_ONLY, { id: user.id }, { token: user.token });
    expect(forbidden.body).toMatchObject({
      data: null,
      errors: [{ message: 'This requires the ADMIN role', path: ['setUserRole'], extensions: { code: 'FORBIDDEN' } }],
    });
    const admin = await app.signup();
    const adminToken = await makeAdmin(app, admin.id);
    const ok = await app.gql(ADMIN_ONLY, { id: user.id }, { token: adminToken });
    expect(ok.body.data?.setUserRole).toEqual({ id: user.id, role: 'ADMIN' });
  });

  it('checks the stored role, not the role claim: a demoted admin loses admin rights at once', async () => {
    const admin = await app.signup();
    const adminToken = await makeAdmin(app, admin.id);
    const other = await app.signup();
    // Demoted directly in the database, token version untouched: the ADMIN claim is now stale.
    await app.services.users.update(admin.id, { role: 'USER' });
    const res = await app.gql(ADMIN_ONLY, { id: other.id }, { token: adminToken });
    expect(res.code).toBe('FORBIDDEN');
  });

  it('loads the caller once per request, however many @auth fields it touches', async () => {
    const user = await app.signup();
    let lookups = 0;
    const original = app.services.users.findById.bind(app.services.users);
    app.services.users.findById = (id) => {
      lookups += 1;
      return original(id);
    };
    try {
      const res = await app.gql('{ a: me { id } b: me { id } c: me { email } }', undefined, { token: user.token });
      expect(res.body.errors).toBeUndefined();
      expect(lookups).toBe(1);
    } finally {
      app.services.users.findById = original;
    }
  });

  it('refuses the token of a user deleted since it was issued', async () => {
    const user = await app.signup();
    await app.services.users.delete(user.id);
    const res = await app.gql(ME, undefined, { token: user.token });
    expect(res.body.errors?.[0]).toMatchObject({ message: 'Invalid token', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('npm run lint:auth', () => {
  it('passes on the product schema and names the field when a root field loses its @auth', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const run = promisify(execFile);
    const tsx = path.resolve('node_modules/.bin/tsx');

    expect((await run(tsx, ['src/cli/lint-auth.ts'])).stdout).toContain('every root field is marked');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-auth-'));
    try {
      for (const f of fs.readdirSync('schema')) {
        const sdl = fs.readFileSync(path.join('schema', f), 'utf8');
        fs.writeFileSync(path.join(dir, f), sdl.replace(/deleteUser: User! @auth(\([^)]*\))?/, 'deleteUser: User!'));
      }
      await expect(run(tsx, ['src/cli/lint-auth.ts', dir])).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('Mutation.deleteUser has neither @auth nor @public'),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
