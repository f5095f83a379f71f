import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../../src/auth/refresh-tokens.js';
import { startHttpApp, type HttpTestApp } from '../../../test/helpers/http.js';
import { enrolTotp, nextCode } from '../../../test/helpers/totp.js';
import { apolloMutate, createApolloClient } from '../src/apollo.js';
import { totpCode } from '../../../src/mfa/totp.js';
import { DeleteUserMutation } from '../src/operations.js';
import { type Mutate, SignInError, signInWithSecondFactor, withStepUp } from '../src/second-factor.js';
import { AuthSession } from '../src/session.js';
import { createUrqlClient, urqlMutate } from '../src/urql.js';

let server: HttpTestApp;
beforeAll(async () => {
  server = await startHttpApp();
});
afterAll(async () => {
  await server?.close();
});

const clients: Record<'apollo' | 'urql', (session: AuthSession) => Mutate> = {
  apollo: (session) => apolloMutate(createApolloClient({ uri: server.endpoint, session })),
  urql: (session) => urqlMutate(createUrqlClient({ url: server.endpoint, session })),
};

/** A six-digit code the server would not accept now (none of the three steps it allows). */
const typoOf = (secret: string) =>
  ['000000', '111111', '222222', '333333'].find(
    (c) => ![-30_000, 0, 30_000].some((d) => totpCode(secret, Date.now() + d) === c),
  )!;

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe.each(Object.keys(clients) as Array<keyof typeof clients>)('%s client with a second factor', (name) => {
  const make = clients[name];

  it('signs in: login answers MFA_REQUIRED, the code is asked for, verifyLogin gives the tokens', async () => {
    const user = await enrolTotp(server.app);
    const session = new AuthSession();
    const mutate = make(session);
    const asked: number[] = [];
    await signInWithSecondFactor(mutate, session, { email: user.email, password: user.password }, async (attempt) => {
      asked.push(attempt);
      // A typo first, then the code the app shows.
      return attempt === 1 ? typoOf(user.secret) : nextCode(user.secret);
    });
    expect(asked).toEqual([1, 2]);
    expect(claimsOf(session.token!).amr).toEqual(['pwd', 'otp']);
    expect(session.refreshToken).toMatch(/^[\w-]{43}$/);
    const me = await server.app.gql('{ me { email } }', {}, { token: session.token! });
    expect(me.body.data!.me.email).toBe(user.email);
  });

  it('a wrong password is a SignInError and never asks for a code', async () => {
    const user = await enrolTotp(server.app);
    const session = new AuthSession();
    const run = signInWithSecondFactor(make(session), session, { email: user.email, password: 'nope nope' }, () => {
      throw new Error('asked for a code');
    });
    await expect(run).rejects.toBeInstanceOf(SignInError);
    expect(session.token).toBeNull();
  });

  it('steps up: an old sign-in is refused deleteUser, reauthenticates (password, then code) and deletes', async () => {
    const user = await enrolTotp(server.app);
    const session = new AuthSession();
    const mutate = make(session);
    await signInWithSecondFactor(mutate, session, user, async () => nextCode(user.secret));
    // The same session an hour later, as far as its stored sign-in time goes; then refreshed.
    await server.app.query('UPDATE refresh_tokens SET auth_time = ? WHERE token_hash = ?', [
      new Date(Date.now() - 3600_000).toISOString(),
      hashRefreshToken(session.refreshToken!),
    ]);
    const refreshed = await server.app.gql(
      'mutation($r: String) { refresh(refreshToken: $r) { token refreshToken } }',
      {
        r: session.refreshToken,
      },
    );
    session.signIn(refreshed.body.data!.refresh.token, refreshed.body.data!.refresh.refreshToken);

    const asked: boolean[] = [];
    const result = await withStepUp(
      mutate,
      session,
      () => mutate(DeleteUserMutation, {}),
      async (needsCode) => {
        asked.push(needsCode);
        return needsCode ? { password: user.password, code: user.recoveryCodes[0] } : { password: user.password };
      },
    );
    expect(asked).toEqual([false, true]);
    expect(result.errors).toEqual([]);
    expect(result.data).toMatchObject({ deleteUser: { id: user.id, email: user.email } });
    expect((await server.app.gql('{ me { id } }', {}, { token: session.token! })).code).toBe('UNAUTHENTICATED');
  });
});
