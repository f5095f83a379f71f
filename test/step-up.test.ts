import { type GraphQLError, graphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRecentSignIn } from '../src/auth/authenticate.js';
import { requireRecentSignIn } from '../src/auth/policy.js';
import { authRequirements } from '../src/auth/describe.js';
import { authRuleOf } from '../src/auth/requirement.js';
import type { Caller, GraphQLContext } from '../src/context.js';
import { buildSchema, loadTypeDefs } from '../src/schema.js';
import { hashRefreshToken } from '../src/auth/refresh-tokens.js';
import { createTestApp, decodeJwt, ME, type TestApp } from './helpers/app.js';
import {
  DISABLE_TOTP,
  enrolTotp,
  loginChallenge,
  nextCode,
  REAUTHENTICATE,
  SETUP_TOTP,
  VERIFY_LOGIN,
} from './helpers/totp.js';

const DELETE_ME = /* GraphQL */ `mutation { deleteUser { id } }`;
const EXPORT_MY_DATA = /* GraphQL */ `{ exportMyData }`;
const REFRESH = /* GraphQL */ `mutation($r: String) { refresh(refreshToken: $r) { token refreshToken } }`;
const LOGIN_WITH_REFRESH = /* GraphQL */ `
  mutation($e: String!, $p: String!) { login(email: $e, password: $p) { refreshToken } }
`;

const now = () => Math.floor(Date.now() / 1000);
const withAuthTime = (authTime?: number) =>
  ({ claims: authTime === undefined ? {} : { auth_time: authTime } }) as Caller;

describe('requireRecentSignIn, the rule behind @auth(maxAge:)', () => {
  it('lets a sign-in through up to maxAge seconds old, and not a second later', () => {
    const t = Date.now();
    const at = Math.floor(t / 1000);
    expect(requireRecentSignIn(withAuthTime(at - 600), 600, t)).toBeTruthy();
    expect(isRecentSignIn({ auth_time: at - 601 }, 600, t)).toBe(false);
    expect(() => requireRecentSignIn(withAuthTime(at - 601), 600, t)).toThrowError(
      expect.objectContaining({
        message: 'This needs a sign-in within the last 600 seconds: call reauthenticate',
        extensions: { code: 'FORBIDDEN', reason: 'REAUTHENTICATION_REQUIRED', maxAge: 600 },
      }),
    );
  });

  it('treats a token without auth_time as not recent, and no maxAge as any age', () => {
    expect(() => requireRecentSignIn(withAuthTime(undefined), 600)).toThrowError(
      expect.objectContaining({ extensions: expect.objectContaining({ reason: 'REAUTHENTICATION_REQUIRED' }) }),
    );
    expect(requireRecentSignIn(withAuthTime(undefined), undefined)).toBeTruthy();
  });
});

describe('@auth(maxAge:) in the SDL', () => {
  const directives = loadTypeDefs().filter((t) => t.includes('directive @auth'));
  const SDL = /* GraphQL */ `
    scalar DateTime
    type Vault @auth(maxAge: 60) { contents: String! label: String! @auth }
    type Query {
      recent: String @auth(maxAge: 60)
      anyAge: String @auth
      vault: Vault @public
      adminRecent: String @auth(requires: ADMIN, maxAge: 30)
    }
  `;
  const schema = buildSchema({
    typeDefs: [...directives, SDL],
    resolvers: {
      Query: {
        recent: () => 'ok',
        anyAge: () => 'ok',
        vault: () => ({ contents: 'gold', label: 'v' }),
        adminRecent: () => 'ok',
      },
    } as never,
  });
  const run = (query: string, caller: Partial<Caller>) =>
    graphql({
      schema,
      source: query,
      contextValue: { authenticate: async () => ({ id: 'u1', role: 'USER', ...caller }) } as unknown as GraphQLContext,
    });

  it('refuses a stale sign-in on the field, on an object type, and lets a field override it', async () => {
    const stale = { claims: { auth_time: now() - 61 } } as Partial<Caller>;
    const res = await run('{ recent anyAge vault { contents label } }', stale);
    expect(res.data).toEqual({ recent: null, anyAge: 'ok', vault: null });
    const reasons = res.errors!.map((e) => [e.path!.join('.'), (e as GraphQLError).extensions.reason]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['recent', 'REAUTHENTICATION_REQUIRED'],
        ['vault.contents', 'REAUTHENTICATION_REQUIRED'],
      ]),
    );
    const fresh = await run('{ recent vault { contents label } }', { claims: { auth_time: now() } } as never);
    expect(fresh).toEqual({ data: { recent: 'ok', vault: { contents: 'gold', label: 'v' } } });
  });

  it('checks the role before the age: a USER gets FORBIDDEN for the role, however fresh', async () => {
    const res = await run('{ adminRecent }', { claims: { auth_time: now() } } as never);
    expect(res.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN' });
  });

  it("is read by authRuleOf, the one reader of @auth's arguments; a negative maxAge fails the build", () => {
    expect(authRuleOf({ requires: 'ADMIN', maxAge: 30 })).toEqual({
      requires: 'ADMIN',
      allowUnverified: false,
      maxAge: 30,
    });
    expect(authRuleOf({})).toEqual({ requires: 'USER', allowUnverified: false });
    expect(() => authRuleOf({ maxAge: -1 })).toThrow(/must be 0 or more seconds/);
    expect(() =>
      buildSchema({ typeDefs: [...directives, 'type Query { x: String @auth(maxAge: -5) }'], resolvers: {} as never }),
    ).toThrow(/maxAge: -5/);
  });

  it('is published in schema.auth.json and spelled out in the description', () => {
    const reqs = authRequirements(schema);
    expect(reqs['Query.recent']).toEqual({ auth: true, requires: 'USER', maxAge: 60 });
    expect(reqs['Vault.label']).toEqual({ auth: true, requires: 'USER' });
    expect(reqs['Query.anyAge']).toEqual({ auth: true, requires: 'USER' });
  });

  it('is on the fields that can take over or weaken an account', () => {
    const reqs = authRequirements(buildSchema());
    for (const f of [
      'Mutation.deleteUser',
      'Mutation.setupTotp',
      'Mutation.disableTotp',
      'Mutation.resetUserTotp',
      'Mutation.requestEmailChange',
      'Mutation.startPasskeyRegistration',
      'Mutation.removePasskey',
      'Query.exportMyData',
    ]) {
      expect(reqs[f], f).toMatchObject({ auth: true, maxAge: 600 });
    }
  });
});

describe('step-up through the API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app?.close());

  /**
   * The access token a refresh hands out when the sign-in behind `refreshToken` was `ageSeconds`
   * ago: the stored auth_time is moved back (the clock itself is not), then the session refreshes.
   */
  async function agedSession(refreshToken: string, ageSeconds: number): Promise<string> {
    await app.query('UPDATE refresh_tokens SET auth_time = ? WHERE token_hash = ?', [
      new Date((now() - ageSeconds) * 1000).toISOString(),
      hashRefreshToken(refreshToken),
    ]);
    const refreshed = await app.gql(REFRESH, { r: refreshToken });
    return refreshed.body.data!.refresh.token;
  }

  async function passwordSession(email: string, password: string, ageSeconds: number): Promise<string> {
    const login = await app.gql(LOGIN_WITH_REFRESH, { e: email, p: password });
    return agedSession(login.body.data!.login.refreshToken, ageSeconds);
  }

  it('a session kept alive by refresh cannot delete the account; after reauthenticate it can', async () => {
    const user = await app.signup();
    const old = await passwordSession(user.email, user.password, 601);
    // Everything else still works with that token.
    expect((await app.gql(ME, {}, { token: old })).body.data!.me.id).toBe(user.id);
    const refused = await app.gql(DELETE_ME, {}, { token: old });
    expect(refused.body).toEqual({
      data: null,
      errors: [
        {
          message: 'This needs a sign-in within the last 600 seconds: call reauthenticate',
          path: ['deleteUser'],
          locations: [{ line: 1, column: 12 }],
          extensions: { code: 'FORBIDDEN', reason: 'REAUTHENTICATION_REQUIRED', maxAge: 600 },
        },
      ],
    });
    expect((await app.gql(ME, {}, { token: old })).body.data!.me.id).toBe(user.id); // still there

    const wrong = await app.gql(REAUTHENTICATE, { password: 'not the password' }, { token: old });
    expect(wrong.code).toBe('BAD_USER_INPUT');
    expect(wrong.body.errors![0]!.extensions!.field).toBe('password');

    const reauth = await app.gql(REAUTHENTICATE, { password: user.password }, { token: old });
    const fresh = reauth.body.data!.reauthenticate;
    const claims = decodeJwt(fresh.token).claims;
    expect(claims.auth_time).toBeGreaterThanOrEqual(now() - 5);
    expect(claims.amr).toEqual(['pwd']);
    expect(fresh.refreshToken).toMatch(/^[\w-]{43}$/);
    expect((await app.gql(DELETE_ME, {}, { token: fresh.token })).body.data).toEqual({ deleteUser: { id: user.id } });
  });

  it('a token with no auth_time at all (from before it existed) is not fresh', async () => {
    const user = await app.signup();
    const legacy = await app.services.tokens.sign((await app.services.users.findById(user.id))!);
    expect(decodeJwt(legacy).claims.auth_time).toBeUndefined();
    expect((await app.gql(ME, {}, { token: legacy })).body.data!.me.id).toBe(user.id);
    expect((await app.gql(DELETE_ME, {}, { token: legacy })).body.errors![0]!.extensions!.reason).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
  });

  it('a hand-made auth_time later than the token itself is refused as invalid', async () => {
    const user = await app.signup();
    const u = (await app.services.users.findById(user.id))!;
    const forged = await app.services.tokens.sign(u, { authTime: now() + 3600 });
    expect((await app.gql(ME, {}, { token: forged })).code).toBe('UNAUTHENTICATED');
  });

  it('with TOTP on, reauthenticate needs the code too: MFA_REQUIRED without it, then amr ["pwd","otp"]', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const signedIn = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
    const session = await agedSession(signedIn.body.data!.verifyLogin.refreshToken, 3600);
    expect(decodeJwt(session).claims.amr).toEqual(['pwd', 'otp']); // two factors, but an hour ago
    const refused = await app.gql(DISABLE_TOTP, { code: user.recoveryCodes[0] }, { token: session });
    expect(refused.body.errors![0]!.extensions!.reason).toBe('REAUTHENTICATION_REQUIRED');

    const noCode = await app.gql(REAUTHENTICATE, { password: user.password }, { token: session });
    expect(noCode.body.errors![0]!.extensions).toEqual({ code: 'MFA_REQUIRED' });
    const badCode = await app.gql(REAUTHENTICATE, { password: user.password, code: '12345' }, { token: session });
    expect(badCode.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'code' });
    const ok = await app.gql(
      REAUTHENTICATE,
      { password: user.password, code: user.recoveryCodes[1] },
      { token: session },
    );
    const fresh = ok.body.data!.reauthenticate.token;
    expect(decodeJwt(fresh).claims).toMatchObject({ amr: ['pwd', 'otp'], auth_time: expect.any(Number) });
    expect(decodeJwt(fresh).claims.auth_time).toBeGreaterThan(decodeJwt(session).claims.auth_time);
    // The recovery code used above is spent; another one turns TOTP off.
    expect((await app.gql(DISABLE_TOTP, { code: user.recoveryCodes[1] }, { token: fresh })).code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await app.gql(DISABLE_TOTP, { code: user.recoveryCodes[2] }, { token: fresh })).body.data).toEqual({
      disableTotp: true,
    });
  });

  it('exportMyData is step-up too: an old session gets REAUTHENTICATION_REQUIRED and no data, a fresh one the document', async () => {
    const user = await app.signup();
    const old = await passwordSession(user.email, user.password, 601);
    const refused = await app.gql(EXPORT_MY_DATA, {}, { token: old });
    expect(refused.body).toEqual({
      data: null,
      errors: [
        {
          message: 'This needs a sign-in within the last 600 seconds: call reauthenticate',
          path: ['exportMyData'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'FORBIDDEN', reason: 'REAUTHENTICATION_REQUIRED', maxAge: 600 },
        },
      ],
    });
    // Refused before the resolver ran: nothing was exported, so nothing was logged as exported.
    await app.services.securityLog.settled();
    expect(
      await app.query("SELECT id FROM security_events WHERE user_id = ? AND type = 'DATA_EXPORTED'", [user.id]),
    ).toEqual([]);
    // A sign-in nine minutes old is recent enough.
    const recent = await passwordSession(user.email, user.password, 540);
    const doc = (await app.gql(EXPORT_MY_DATA, {}, { token: recent })).body.data?.exportMyData;
    expect(doc?.account.id).toBe(user.id);
  });

  it('setupTotp is step-up too: an old session cannot add an authenticator of its own', async () => {
    const user = await app.signup();
    const old = await passwordSession(user.email, user.password, 601);
    const res = await app.gql(SETUP_TOTP, { p: user.password }, { token: old });
    expect(res.body.errors![0]!.extensions).toEqual({
      code: 'FORBIDDEN',
      reason: 'REAUTHENTICATION_REQUIRED',
      maxAge: 600,
    });
  });
});
