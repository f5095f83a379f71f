import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthenticationFailure, staleTokenProblem } from '../src/auth/authenticate.js';
import { createContextFactory } from '../src/context.js';
import { unauthenticated } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { createTestApp, type TestApp } from './helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

/** A context for a request carrying `authorization`, built by the real factory from the app's services. */
function contextFor(services: Services, authorization: string | null) {
  const request = new Request('http://localhost/graphql', {
    method: 'POST',
    headers: authorization ? { authorization } : {},
  });
  return createContextFactory(services)({ request, params: { query: '{ __typename }' } } as never);
}

describe('one authentication module for every transport', () => {
  it('turns a valid Bearer header into the caller, and no header into null', async () => {
    const user = await app.signup();
    const caller = await app.services.auth.fromAuthorization(`Bearer ${user.token}`);
    expect(caller).toMatchObject({ id: user.id, role: 'USER', claims: { sub: user.id } });
    expect(await app.services.auth.fromAuthorization(null)).toBeNull();
    expect(await app.services.auth.fromAuthorization('   ')).toBeNull();
  });

  it('refuses a malformed header and an unknown token with UNAUTHENTICATED', async () => {
    await expect(app.services.auth.fromAuthorization('Basic abc')).rejects.toSatisfy(isAuthenticationFailure);
    await expect(app.services.auth.fromToken('not.a.token')).rejects.toSatisfy(isAuthenticationFailure);
  });

  it('recheck ends a caller whose account was deleted or whose tokens were revoked', async () => {
    const user = await app.signup();
    const caller = (await app.services.auth.fromAuthorization(`Bearer ${user.token}`))!;
    await expect(app.services.auth.recheck(caller)).resolves.toBeUndefined();
    await app.gql('mutation { logoutAll }', undefined, { token: user.token });
    await expect(app.services.auth.recheck(caller)).rejects.toThrow('Token has been revoked');
  });

  it('states the token-current rule as a plain function', () => {
    const claims = { sub: 'u', ver: 2, role: 'USER', iat: 0, exp: 1, jti: '' } as const;
    expect(staleTokenProblem(null, claims)).toBe('user_gone');
    expect(staleTokenProblem({ tokenVersion: 3 } as never, claims)).toBe('revoked');
    expect(staleTokenProblem({ tokenVersion: 2 } as never, claims)).toBeNull();
    // With a session id: the session must exist (for this user) and not be revoked.
    const withSid = { ...claims, sid: 's' };
    const user = { tokenVersion: 2 } as never;
    expect(staleTokenProblem(user, withSid, null)).toBe('session_ended');
    expect(staleTokenProblem(user, withSid, { revokedAt: new Date(), lastUsedAt: new Date() })).toBe('session_ended');
    expect(staleTokenProblem(user, withSid, { revokedAt: null, lastUsedAt: new Date() })).toBeNull();
  });
});

describe('viewer() reads only authentication failures as anonymous', () => {
  it('is null for a refused token', async () => {
    const ctx = contextFor(app.services, 'Bearer nope.nope.nope');
    expect(await ctx.viewer()).toBeNull();
  });

  it('rejects when the lookup itself fails (a database outage is not a signed-out caller)', async () => {
    const outage = new Error('connection terminated');
    const services = {
      ...app.services,
      auth: { ...app.services.auth, resolve: () => Promise.reject(outage) },
    } as Services;
    await expect(contextFor(services, 'Bearer a.b.c').viewer()).rejects.toBe(outage);
  });

  it('keeps UNAUTHENTICATED distinguishable from every other error', () => {
    expect(isAuthenticationFailure(unauthenticated('expired'))).toBe(true);
    expect(isAuthenticationFailure(new Error('boom'))).toBe(false);
  });
});
