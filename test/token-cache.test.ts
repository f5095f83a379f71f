import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, makeAdmin, ME, type TestApp } from './helpers/app.js';

// The verifier remembers tokens whose signature it already checked. That must never let a token
// through that a full check would refuse: revocation, deletion and expiry count on the next request.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ JWT_EXPIRES_IN: '3', JWT_CLOCK_TOLERANCE: '0' });
});
afterAll(() => app.close());

const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }
`;

describe('verified-token cache', () => {
  it('a cached token expires on time, with the usual expired error', { timeout: 15_000 }, async () => {
    const { token } = await app.signup();
    // iat is whole seconds, so the token has 2 to 3 s to live: enough for two calls on a busy machine.
    expect((await app.gql(ME, undefined, { token })).body.data?.me).toBeTruthy(); // now cached
    expect((await app.gql(ME, undefined, { token })).body.data?.me).toBeTruthy();
    // Wait until just past exp, as the verifier counts it (expired once exp <= now).
    const { exp } = decodeJwt(token).claims as { exp: number };
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 50));
    const res = await app.gql(ME, undefined, { token });
    expect(res.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.extensions?.reason).toBe('TOKEN_EXPIRED');
  });
});

describe('verified-token cache, revocation', () => {
  let long: TestApp;
  beforeAll(async () => {
    long = await createTestApp();
  });
  afterAll(() => long.close());

  it('changePassword refuses the cached old token at once', async () => {
    const u = await long.signup();
    expect((await long.gql(ME, undefined, { token: u.token })).body.data?.me).toBeTruthy();
    const changed = await long.gql(CHANGE_PASSWORD, { c: u.password, n: 'a brand new password' }, { token: u.token });
    expect(changed.body.data?.changePassword?.token).toBeTruthy();
    expect((await long.gql(ME, undefined, { token: u.token })).code).toBe('UNAUTHENTICATED');
  });

  it('setUserRole (token-version bump) and deleteUser refuse the cached token at once', async () => {
    const u = await long.signup();
    expect((await long.gql(ME, undefined, { token: u.token })).body.data?.me).toBeTruthy();
    const fresh = await makeAdmin(long, u.id);
    expect((await long.gql(ME, undefined, { token: u.token })).code).toBe('UNAUTHENTICATED');
    expect((await long.gql(ME, undefined, { token: fresh })).body.data?.me?.role).toBe('ADMIN');
    expect((await long.gql('mutation { deleteUser { id } }', undefined, { token: fresh })).body.data).toBeTruthy();
    expect((await long.gql(ME, undefined, { token: fresh })).code).toBe('UNAUTHENTICATED');
  });

  it('a token with one changed signature character is not a cache hit', async () => {
    const u = await long.signup();
    expect((await long.gql(ME, undefined, { token: u.token })).body.data?.me).toBeTruthy();
    // Not the last character: of its 6 bits only 4 belong to the 32-byte signature, so A<->B can
    // decode to the same bytes. The one before it is all signature.
    const i = u.token.length - 2;
    const changed = `${u.token.slice(0, i)}${u.token[i] === 'A' ? 'B' : 'A'}${u.token.slice(i + 1)}`;
    const res = await long.gql(ME, undefined, { token: changed });
    expect(res.code).toBe('UNAUTHENTICATED');
  });
});
