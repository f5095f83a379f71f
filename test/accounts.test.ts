import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  decodeJwt,
  LOGIN,
  makeAdmin,
  ME,
  uniqueEmail,
  type GqlResult,
  type TestApp,
} from './helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const DELETE = /* GraphQL */ `mutation { deleteUser { id email } }`;
const UPDATE = /* GraphQL */ `mutation($input: UpdateMeInput!) { updateMe(input: $input) { id name email } }`;
const CHANGE = /* GraphQL */ `
  mutation($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) { token user { id } }
  }
`;
const USER = /* GraphQL */ `query($id: ID!) { user(id: $id) { id name email role createdAt } }`;
const USERS = /* GraphQL */ `
  query($first: Int, $after: String) {
    users(first: $first, after: $after) {
      totalCount
      edges { cursor node { id name email } }
      nodes { id }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const REMOVE = /* GraphQL */ `mutation($id: ID!) { removeUser(id: $id) { id email } }`;

describe('deleteUser', () => {
  it('deletes the caller, whose id comes from the token, and refuses the token afterwards', async () => {
    const other = await app.signup();
    const user = await app.signup();
    const res = await app.gql(DELETE, undefined, { token: user.token });
    expect(res.body.data?.deleteUser).toEqual({ id: user.id, email: user.email });
    expect((await app.gql(ME, undefined, { token: user.token })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).code).toBe('UNAUTHENTICATED');
    // Nobody else was touched.
    expect((await app.gql(ME, undefined, { token: other.token })).body.data?.me.id).toBe(other.id);
  });

  it('needs a token', async () => {
    expect((await app.gql(DELETE)).code).toBe('UNAUTHENTICATED');
  });

  it('frees the e-mail address for a new signup', async () => {
    const user = await app.signup();
    await app.gql(DELETE, undefined, { token: user.token });
    const again = await app.signup({ email: user.email });
    expect(again.id).not.toBe(user.id);
  });
});

describe('updateMe', () => {
  it('changes the name; the e-mail only as it is (any case), never to an unproven address', async () => {
    const user = await app.signup();
    const res = await app.gql(
      UPDATE,
      { input: { name: ' New Name ', email: user.email.toUpperCase() } },
      { token: user.token },
    );
    expect(res.body.data?.updateMe).toEqual({ id: user.id, name: 'New Name', email: user.email });
    // A new address goes through requestEmailChange (test/email-change.test.ts): updateMe refuses it.
    const email = uniqueEmail('NEW');
    const moved = await app.gql(UPDATE, { input: { name: 'Other', email } }, { token: user.token });
    expect(moved.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.email' });
    expect(moved.body.errors?.[0]?.message).toContain('requestEmailChange');
    expect((await app.gql(ME, undefined, { token: user.token })).body.data?.me).toMatchObject({
      name: 'New Name',
      email: user.email,
    });
  });

  it('leaves omitted fields as they are', async () => {
    const user = await app.signup({ name: 'Keep Me' });
    const res = await app.gql(UPDATE, { input: {} }, { token: user.token });
    expect(res.body.data?.updateMe).toEqual({ id: user.id, name: 'Keep Me', email: user.email });
  });

  it("refuses another account's e-mail and invalid values with BAD_USER_INPUT", async () => {
    const a = await app.signup();
    const b = await app.signup();
    const taken = await app.gql(UPDATE, { input: { email: a.email.toUpperCase() } }, { token: b.token });
    expect(taken.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.email' } });
    expect((await app.gql(UPDATE, { input: { email: 'nope' } }, { token: b.token })).code).toBe('BAD_USER_INPUT');
    expect((await app.gql(UPDATE, { input: { name: '' } }, { token: b.token })).code).toBe('BAD_USER_INPUT');
    // Nothing was lost.
    expect((await app.gql(ME, undefined, { token: b.token })).body.data?.me.email).toBe(b.email);
  });
});

describe('changePassword', () => {
  it('returns a fresh token, refuses every older token and the old password', async () => {
    const user = await app.signup();
    const second = (await app.gql(LOGIN, { email: user.email, password: user.password })).body.data!.login.token;
    const res = await app.gql(CHANGE, { current: user.password, next: 'a brand new password' }, { token: user.token });
    expect(res.body.errors).toBeUndefined();
    const fresh = res.body.data!.changePassword.token;
    expect(decodeJwt(fresh).claims.ver).toBe(1);

    for (const old of [user.token, second]) {
      expect((await app.gql(ME, undefined, { token: old })).body.errors?.[0]).toMatchObject({
        message: 'Token has been revoked',
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
    expect((await app.gql(ME, undefined, { token: fresh })).body.data?.me.id).toBe(user.id);
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).code).toBe('UNAUTHENTICATED');
    expect(
      (await app.gql(LOGIN, { email: user.email, password: 'a brand new password' })).body.data?.login,
    ).toBeTruthy();
  });

  it('refuses a wrong current password with BAD_USER_INPUT (the token stays valid)', async () => {
    const user = await app.signup();
    const res = await app.gql(
      CHANGE,
      { current: 'not my password', next: 'a brand new password' },
      { token: user.token },
    );
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'Current password is incorrect',
      extensions: { code: 'BAD_USER_INPUT', field: 'currentPassword' },
    });
    expect((await app.gql(ME, undefined, { token: user.token })).body.data?.me.id).toBe(user.id);
  });

  it('applies the password policy to the new password', async () => {
    const user = await app.signup();
    const res = await app.gql(CHANGE, { current: user.password, next: 'short' }, { token: user.token });
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } });
  });
});

describe('user(id) and users', () => {
  it('shows a profile to anyone, with the e-mail only to its owner and to admins', async () => {
    const owner = await app.signup({ name: 'Owner' });
    const stranger = await app.signup();
    const admin = await app.signup();
    const adminToken = await makeAdmin(app, admin.id);

    const anon = await app.gql(USER, { id: owner.id });
    expect(anon.body.data?.user).toMatchObject({ id: owner.id, name: 'Owner', email: null, role: 'USER' });
    expect(anon.body.data?.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect((await app.gql(USER, { id: owner.id }, { token: stranger.token })).body.data?.user.email).toBeNull();
    expect((await app.gql(USER, { id: owner.id }, { token: owner.token })).body.data?.user.email).toBe(owner.email);
    expect((await app.gql(USER, { id: owner.id }, { token: adminToken })).body.data?.user.email).toBe(owner.email);
  });

  it('answers null for an unknown id', async () => {
    expect((await app.gql(USER, { id: 'does-not-exist' })).body).toEqual({ data: { user: null } });
  });

  it('pages through every account exactly once, oldest first', async () => {
    const fresh = await createTestApp();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await fresh.signup()).id);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: GqlResult = await fresh.gql(USERS, { first: 2, after });
        const page = res.body.data!.users as any;
        expect(page.totalCount).toBe(5);
        expect(page.nodes.map((n: { id: string }) => n.id)).toEqual(
          page.edges.map((e: { node: { id: string } }) => e.node.id),
        );
        for (const e of page.edges) expect(e.node.email).toBeNull();
        seen.push(...page.nodes.map((n: { id: string }) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(ids);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a page size outside 1..100 and a bad cursor with BAD_USER_INPUT', async () => {
    for (const first of [0, -1, 101]) {
      expect((await app.gql(USERS, { first })).body.errors?.[0]).toMatchObject({
        message: 'first must be from 1 to 100',
        extensions: { code: 'BAD_USER_INPUT', field: 'first' },
      });
    }
    expect((await app.gql(USERS, { after: 'garbage' })).body.errors?.[0]).toMatchObject({
      message: 'Invalid cursor',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('admin operations', () => {
  it('removeUser: an admin deletes another account; a user may not', async () => {
    const victim = await app.signup();
    const user = await app.signup();
    expect((await app.gql(REMOVE, { id: victim.id }, { token: user.token })).code).toBe('FORBIDDEN');
    expect((await app.gql(REMOVE, { id: victim.id })).code).toBe('UNAUTHENTICATED');

    const admin = await app.signup();
    const adminToken = await makeAdmin(app, admin.id);
    const res = await app.gql(REMOVE, { id: victim.id }, { token: adminToken });
    expect(res.body.data?.removeUser).toEqual({ id: victim.id, email: victim.email });
    expect((await app.gql(ME, undefined, { token: victim.token })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REMOVE, { id: victim.id }, { token: adminToken })).body.errors?.[0]).toMatchObject({
      message: 'No such user',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('setUserRole: a demotion refuses the demoted account’s earlier tokens at once', async () => {
    const admin = await app.signup();
    const adminToken = await makeAdmin(app, admin.id);
    const other = await app.signup();
    const otherAdminToken = await makeAdmin(app, other.id);
    const res = await app.gql(
      'mutation($id: ID!) { setUserRole(id: $id, role: USER) { id role } }',
      { id: other.id },
      { token: adminToken },
    );
    expect(res.body.data?.setUserRole).toEqual({ id: other.id, role: 'USER' });
    expect((await app.gql(ME, undefined, { token: otherAdminToken })).body.errors?.[0]?.message).toBe(
      'Token has been revoked',
    );
  });

  it('npm run user:promote makes an existing account ADMIN from the command line', async () => {
    const user = await app.signup();
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: app.databaseUrl, NODE_ENV: 'test' };
    const tsx = path.resolve('node_modules/.bin/tsx');
    const out = await run(tsx, ['src/cli/promote-user.ts', user.email.toUpperCase()], { env });
    expect(out.stdout).toContain(`${user.email} is now ADMIN`);
    expect((await app.services.users.findById(user.id))!.role).toBe('ADMIN');
    // The old USER token is refused; a new login carries the ADMIN role.
    expect((await app.gql(ME, undefined, { token: user.token })).code).toBe('UNAUTHENTICATED');
    const login = await app.gql(LOGIN, { email: user.email, password: user.password });
    expect(login.body.data?.login.user.role).toBe('ADMIN');

    await expect(run(tsx, ['src/cli/promote-user.ts', 'nobody@example.com'], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No account with email nobody@example.com'),
    });
  });
});
