import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A real HTTP server around the app, on 127.0.0.1 and a free port (the API's own test helper).
import { startHttpApp, type HttpTestApp } from '../../../test/helpers/http.js';
import { uniqueEmail } from '../../../test/helpers/app.js';
import { createApolloClient } from '../src/apollo.js';
import { DeleteUserMutation, LoginMutation, LogoutMutation, MeQuery, SignupMutation } from '../src/operations.js';
import { refreshViaMutation } from '../src/refresh.js';
import { AuthSession } from '../src/session.js';
import { createUrqlClient } from '../src/urql.js';

let server: HttpTestApp;
beforeAll(async () => {
  server = await startHttpApp();
});
afterAll(async () => {
  await server?.close();
});

interface Result<T> {
  data: T | null | undefined;
  errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** One small interface over both libraries, so each scenario runs on Apollo and on urql. */
interface Runner {
  query<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables?: V): Promise<Result<T>>;
  mutate<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables?: V): Promise<Result<T>>;
}

const clients: Record<'apollo' | 'urql', (session: AuthSession) => Runner> = {
  apollo(session) {
    const client = createApolloClient({ uri: server.endpoint, session });
    const wrap = async <T>(p: Promise<{ data?: T | undefined; error?: unknown }>): Promise<Result<T>> => {
      const { data, error } = await p;
      const errors =
        (error as { errors?: Result<T>['errors'] } | undefined)?.errors ?? (error ? [{ message: String(error) }] : []);
      return { data, errors };
    };
    return {
      query: <T>(doc: TypedDocumentNode<T, any>, variables?: Record<string, unknown>) =>
        wrap<T>(client.query({ query: doc, variables, errorPolicy: 'all' }) as never),
      mutate: <T>(doc: TypedDocumentNode<T, any>, variables?: Record<string, unknown>) =>
        wrap<T>(client.mutate({ mutation: doc, variables, errorPolicy: 'all' }) as never),
    };
  },
  urql(session) {
    const client = createUrqlClient({ url: server.endpoint, session });
    const wrap = async <T>(
      p: PromiseLike<{ data?: T; error?: { graphQLErrors: Result<T>['errors']; networkError?: Error } }>,
    ) => {
      const { data, error } = await p;
      const errors = error
        ? error.graphQLErrors.length
          ? error.graphQLErrors
          : [{ message: String(error.networkError) }]
        : [];
      return { data, errors } as Result<T>;
    };
    return {
      query: (doc, variables) => wrap(client.query(doc, variables ?? ({} as never)).toPromise()),
      mutate: (doc, variables) => wrap(client.mutation(doc, variables ?? ({} as never)).toPromise()),
    };
  },
};

/** Well-formed, but not signed with the server's key. */
const BAD_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJl';

const codeOf = (r: Result<unknown>) => r.errors[0]?.extensions?.code;

describe.each(Object.keys(clients) as Array<keyof typeof clients>)('%s client against the real server', (name) => {
  const make = clients[name];

  it('signup -> me -> deleteUser, with generated types and the token attached by the link/exchange', async () => {
    const session = new AuthSession();
    const api = make(session);
    const email = uniqueEmail(name);

    const signup = await api.mutate(SignupMutation, {
      input: { name: 'Grace', email, password: 'correct horse battery' },
    });
    expect(signup.errors).toEqual([]);
    session.signIn(signup.data!.signup.token);

    const me = await api.query(MeQuery);
    expect(me.errors).toEqual([]);
    // Typed: `me.data.me.email` is a string, `role` is 'USER' | 'ADMIN'.
    const email2: string = me.data!.me.email;
    expect(email2).toBe(email);
    expect(me.data!.me.role).toBe('USER');

    const deleted = await api.mutate(DeleteUserMutation);
    expect(deleted.errors).toEqual([]);
    expect(deleted.data!.deleteUser.email).toBe(email);

    // The deleted account's token is refused: UNAUTHENTICATED reaches the caller and the session is signed out.
    const after = await api.query(MeQuery);
    expect(codeOf(after)).toBe('UNAUTHENTICATED');
    expect(session.token).toBeNull();
  });

  it('without a token, `me` answers UNAUTHENTICATED and nothing is retried', async () => {
    const session = new AuthSession();
    const res = await make(session).query(MeQuery);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(session.token).toBeNull();
  });

  it('a wrong password at login does not sign the current session out', async () => {
    const account = await server.app.signup();
    const session = new AuthSession();
    session.signIn(account.token);
    const api = make(session);
    const res = await api.mutate(LoginMutation, { email: account.email, password: 'not the password' });
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(session.token).toBe(account.token);
    expect((await api.query(MeQuery)).data?.me.email).toBe(account.email);
  });

  /** Signs up through the client under test; returns the tokens and the refresher's call count. */
  async function signedIn() {
    let calls = 0;
    const real = refreshViaMutation({ endpoint: server.endpoint });
    const session = new AuthSession({
      refresh: (rt) => {
        calls += 1;
        return real(rt);
      },
    });
    const api = make(session);
    const email = uniqueEmail(`${name}-refresh`);
    const res = await api.mutate(SignupMutation, {
      input: { name: 'Refresh', email, password: 'correct horse battery' },
    });
    const { token, refreshToken } = res.data!.signup;
    expect(refreshToken).toEqual(expect.any(String));
    return { session, api, email, token, refreshToken: refreshToken!, calls: () => calls };
  }

  it('a refused access token is refreshed once with the refresh token (rotated) and the operation retried', async () => {
    const { session, api, email, refreshToken, calls } = await signedIn();
    // A token the server refuses (as an expired one would be), with a good refresh token.
    session.signIn(BAD_TOKEN, refreshToken);
    const res = await api.query(MeQuery);
    expect(res.errors).toEqual([]);
    expect(res.data!.me.email).toBe(email);
    expect(calls()).toBe(1);
    expect(session.token).not.toBe(BAD_TOKEN);
    // Rotation: a new refresh token replaced the one used.
    expect(session.refreshToken).toEqual(expect.any(String));
    expect(session.refreshToken).not.toBe(refreshToken);
  });

  it('after logoutAll the refresh is refused too: the session signs out and UNAUTHENTICATED reaches the caller', async () => {
    const { session, api, token, refreshToken, calls } = await signedIn();
    session.signIn(token, refreshToken);
    const out = await server.app.gql('mutation { logoutAll }', {}, { token });
    expect(out.body.data).toEqual({ logoutAll: true });
    const res = await api.query(MeQuery);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(calls()).toBe(1);
    expect(session.token).toBeNull();
    expect(session.refreshToken).toBeNull();
  });

  it('logout revokes the refresh token; the client then forgets both tokens', async () => {
    const { session, api, token, refreshToken } = await signedIn();
    session.signIn(token, refreshToken);
    const res = await api.mutate(LogoutMutation, { refreshToken: session.refreshToken });
    expect(res.data).toEqual({ logout: true });
    session.signOut();
    expect(await refreshViaMutation({ endpoint: server.endpoint })(refreshToken)).toBeNull();
  });
});
