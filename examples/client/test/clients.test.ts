import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A real HTTP server around the app, on 127.0.0.1 and a free port (the API's own test helper).
import { startHttpApp, type HttpTestApp } from '../../../test/helpers/http.js';
import { uniqueEmail } from '../../../test/helpers/app.js';
import { createApolloClient } from '../src/apollo.js';
import { DeleteUserMutation, LoginMutation, MeQuery, SignupMutation } from '../src/operations.js';
import { AuthSession, type Refresher } from '../src/session.js';
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
    const wrap = async <T,>(p: Promise<{ data?: T | undefined; error?: unknown }>): Promise<Result<T>> => {
      const { data, error } = await p;
      const errors = (error as { errors?: Result<T>['errors'] } | undefined)?.errors ?? (error ? [{ message: String(error) }] : []);
      return { data, errors };
    };
    return {
      query: <T,>(doc: TypedDocumentNode<T, any>, variables?: Record<string, unknown>) =>
        wrap<T>(client.query({ query: doc, variables, errorPolicy: 'all' }) as never),
      mutate: <T,>(doc: TypedDocumentNode<T, any>, variables?: Record<string, unknown>) =>
        wrap<T>(client.mutate({ mutation: doc, variables, errorPolicy: 'all' }) as never),
    };
  },
  urql(session) {
    const client = createUrqlClient({ url: server.endpoint, session });
    const wrap = async <T,>(p: PromiseLike<{ data?: T; error?: { graphQLErrors: Result<T>['errors']; networkError?: Error } }>) => {
      const { data, error } = await p;
      const errors = error ? (error.graphQLErrors.length ? error.graphQLErrors : [{ message: String(error.networkError) }]) : [];
      return { data, errors } as Result<T>;
    };
    return {
      query: (doc, variables) => wrap(client.query(doc, variables ?? ({} as never)).toPromise()),
      mutate: (doc, variables) => wrap(client.mutation(doc, variables ?? ({} as never)).toPromise()),
    };
  },
};

const codeOf = (r: Result<unknown>) => r.errors[0]?.extensions?.code;

describe.each(Object.keys(clients) as Array<keyof typeof clients>)('%s client against the real server', (name) => {
  const make = clients[name];

  it('signup -> me -> deleteUser, with generated types and the token attached by the link/exchange', async () => {
    const session = new AuthSession();
    const api = make(session);
    const email = uniqueEmail(name);

    const signup = await api.mutate(SignupMutation, { input: { name: 'Grace', email, password: 'correct horse battery' } });
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

  it('with a refresher, a refused token is refreshed once and the operation retried', async () => {
    const account = await server.app.signup();
    let calls = 0;
    // Stand-in for the `refresh` mutation (src/refresh.ts) until the API has it: a fresh login.
    const refresh: Refresher = async () => {
      calls += 1;
      const res = await make(new AuthSession()).mutate(LoginMutation, { email: account.email, password: account.password });
      return res.data?.login.token ?? null;
    };
    const session = new AuthSession({ refresh });
    session.signIn('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJl');
    const res = await make(session).query(MeQuery);
    expect(res.errors).toEqual([]);
    expect(res.data!.me.email).toBe(account.email);
    expect(calls).toBe(1);
    expect(session.token).not.toBeNull();
  });

  it('when refreshing fails too, the session signs out and the error reaches the caller', async () => {
    let calls = 0;
    const session = new AuthSession({ refresh: async () => ((calls += 1), null) });
    session.signIn('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJl');
    const res = await make(session).query(MeQuery);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(calls).toBe(1);
    expect(session.token).toBeNull();
  });
});
