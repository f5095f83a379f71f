import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../../src/auth/refresh-tokens.js';
import { startHttpApp, type HttpTestApp } from '../../../test/helpers/http.js';
import { authenticatorFor, type SoftAuthenticator } from '../../../test/helpers/webauthn.js';
import { apolloMutate, createApolloClient } from '../src/apollo.js';
import { addPasskey, removePasskey, signInWithPasskey } from '../src/passkeys.js';
import { type Mutate, SignInError } from '../src/second-factor.js';
import { AuthSession } from '../src/session.js';
import { createUrqlClient, urqlMutate } from '../src/urql.js';

/**
 * The shared passkey flows of src/passkeys.ts on both libraries, against a real HTTP server, with
 * the server tests' software authenticator standing in for @simplewebauthn/browser (the same
 * JSON in and out; examples/web runs the real one in Chromium: test/browser/web-passkeys.test.ts).
 */

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

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const noStepUp = async (): Promise<never> => {
  throw new Error('asked to sign in again');
};

/** A fresh account signed in through `session`, with one passkey from `device`. */
async function accountWithPasskey(session: AuthSession, mutate: Mutate, device: SoftAuthenticator) {
  const user = await server.app.signup();
  session.signIn(user.token, user.refreshToken ?? null);
  const added = await addPasskey(mutate, session, {
    name: 'Laptop',
    register: async (options) => device.create(options),
    ask: noStepUp,
  });
  expect(added.errors).toEqual([]);
  return { user, passkey: added.data!.finishPasskeyRegistration };
}

/** The same session an hour later, as far as its stored sign-in time goes; then refreshed. */
async function ageSession(session: AuthSession): Promise<void> {
  await server.app.query('UPDATE refresh_tokens SET auth_time = ? WHERE token_hash = ?', [
    new Date(Date.now() - 3600_000).toISOString(),
    hashRefreshToken(session.refreshToken!),
  ]);
  const refreshed = await server.app.gql('mutation($r: String) { refresh(refreshToken: $r) { token refreshToken } }', {
    r: session.refreshToken,
  });
  session.signIn(refreshed.body.data!.refresh.token, refreshed.body.data!.refresh.refreshToken);
}

describe.each(Object.keys(clients) as Array<keyof typeof clients>)('%s client with passkeys', (name) => {
  const make = clients[name];

  it('adds a passkey, then signs in with it by e-mail and without one, keeping the tokens as login does', async () => {
    const device = authenticatorFor(server.app);
    const session = new AuthSession();
    const mutate = make(session);
    const { user, passkey } = await accountWithPasskey(session, mutate, device);
    expect(passkey).toMatchObject({ name: 'Laptop', lastUsedAt: null, synced: false });
    session.signOut();

    for (const email of [user.email, null]) {
      const fresh = new AuthSession();
      await signInWithPasskey(make(fresh), fresh, { email, authenticate: async (options) => device.get(options) });
      expect(claimsOf(fresh.token!).amr).toEqual(expect.arrayContaining(['hwk', 'user']));
      expect(claimsOf(fresh.token!).sub).toBe(user.id);
      expect(fresh.refreshToken).toMatch(/^[\w-]{43}$/);
      const me = await server.app.gql('{ me { email } }', {}, { token: fresh.token! });
      expect(me.body.data!.me.email).toBe(user.email);
    }
  });

  it('a refused ceremony is an error for the caller, not a refused token: no refresh, no sign-out', async () => {
    const device = authenticatorFor(server.app);
    const session = new AuthSession();
    const mutate = make(session);
    await accountWithPasskey(session, mutate, device);
    const { token, refreshToken } = { token: session.token, refreshToken: session.refreshToken };

    // A phishing page's origin in clientDataJSON: the server refuses the registration.
    const refused = await addPasskey(mutate, session, {
      register: async (options) => device.create(options, { origin: 'https://evil.example' }),
      ask: noStepUp,
    });
    expect(refused.data).toBeNull();
    expect(refused.errors[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'PASSKEY_REJECTED' });
    expect(session.token).toBe(token);
    expect(session.refreshToken).toBe(refreshToken);
    const listed = await server.app.gql('{ passkeys { id } }', {}, { token: token! });
    expect(listed.body.data!.passkeys).toHaveLength(1);

    // A sign-in with a credential the server does not know: SignInError, nothing kept.
    const stranger = authenticatorFor(server.app);
    stranger.create({ rp: { id: 'localhost' }, user: { id: 'AAAA' }, challenge: 'AAAA' });
    const other = new AuthSession();
    const run = signInWithPasskey(make(other), other, { authenticate: async (options) => stranger.get(options) });
    await expect(run).rejects.toBeInstanceOf(SignInError);
    await run.catch((e: SignInError) =>
      expect(e.errors[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'PASSKEY_REJECTED' }),
    );
    expect(other.token).toBeNull();
  });

  it('adding a passkey to an old sign-in asks for the password first, then registers', async () => {
    const device = authenticatorFor(server.app);
    const session = new AuthSession();
    const mutate = make(session);
    const { user } = await accountWithPasskey(session, mutate, device);
    await ageSession(session);
    const asked: boolean[] = [];
    const added = await addPasskey(mutate, session, {
      name: 'Phone',
      register: async (options) => authenticatorFor(server.app).create(options),
      ask: async (needsCode) => {
        asked.push(needsCode);
        return { password: user.password };
      },
    });
    expect(asked).toEqual([false]);
    expect(added.errors).toEqual([]);
    expect(added.data!.finishPasskeyRegistration.name).toBe('Phone');
    const listed = await server.app.gql('{ passkeys { name } }', {}, { token: session.token! });
    expect(listed.body.data!.passkeys).toEqual([{ name: 'Laptop' }, { name: 'Phone' }]);
  });

  it('removes a passkey after a step-up when the sign-in is old, and answers NOT_FOUND for a foreign id', async () => {
    const device = authenticatorFor(server.app);
    const session = new AuthSession();
    const mutate = make(session);
    const { user, passkey } = await accountWithPasskey(session, mutate, device);
    // Someone else's passkey id: NOT_FOUND, as for an unknown one.
    const otherSession = new AuthSession();
    const { passkey: foreign } = await accountWithPasskey(
      otherSession,
      make(otherSession),
      authenticatorFor(server.app),
    );
    const notMine = await removePasskey(mutate, session, foreign.id, noStepUp);
    expect(notMine.errors[0]?.extensions?.code).toBe('NOT_FOUND');

    await ageSession(session);
    const asked: boolean[] = [];
    const removed = await removePasskey(mutate, session, passkey.id, async (needsCode) => {
      asked.push(needsCode);
      return { password: user.password };
    });
    expect(asked).toEqual([false]);
    expect(removed.errors).toEqual([]);
    expect(removed.data).toEqual({ removePasskey: true });
    const listed = await server.app.gql('{ passkeys { id } }', {}, { token: session.token! });
    expect(listed.body.data!.passkeys).toEqual([]);
  });
});
