import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { print } from 'graphql';
import { from, mergeMap, Observable, of } from 'rxjs';
import { type AuthSession, bearer, isTokenRejection } from './session.js';
import type { SubscriptionTransport, webSocketTransport } from './subscriptions.js';

/**
 * An Apollo link that sends the session's token and reacts to UNAUTHENTICATED:
 * `session.recover()` refreshes once and the operation is retried with the new token, or,
 * without a refresher (today's API), the session is signed out and the error goes to the caller.
 */
export function authLink(session: AuthSession): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const send = (retried: boolean): Observable<ApolloLink.Result> => {
      const token = session.token;
      operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => {
        const { authorization: _drop, Authorization: _Drop, ...rest } = headers;
        return { headers: token ? { ...rest, authorization: bearer(token) } : rest };
      });
      return forward(operation).pipe(
        mergeMap((result) => {
          if (!token || retried || !isTokenRejection(result.errors)) return of(result);
          return from(session.recover(token)).pipe(mergeMap((retry) => (retry ? send(true) : of(result))));
        }),
      );
    };
    return send(false);
  });
}

/** Apollo's own link for graphql-ws, on the client `webSocketTransport` made (its refresh and retry rules). */
export function webSocketLink(transport: ReturnType<typeof webSocketTransport>): ApolloLink {
  return new GraphQLWsLink(transport.client);
}

/** Subscriptions over server-sent events: Apollo ships no SSE link, this is one on `sseTransport`. */
export function sseLink(transport: SubscriptionTransport): ApolloLink {
  return new ApolloLink(
    (operation) =>
      new Observable<ApolloLink.Result>((observer) =>
        transport.subscribe(
          {
            query: print(operation.query),
            operationName: operation.operationName ?? null,
            variables: operation.variables,
          },
          {
            next: (result) => observer.next(result as ApolloLink.Result),
            error: (e) => observer.error(e),
            complete: () => observer.complete(),
          },
        ),
      ),
  );
}

const isSubscription = ({ query }: ApolloLink.Operation) => {
  const definition = getMainDefinition(query);
  return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
};

export function createApolloClient(opts: {
  uri: string;
  session: AuthSession;
  fetch?: typeof fetch;
  /** webSocketLink(...) or sseLink(...): where subscriptions go; they carry the token themselves. */
  subscriptions?: ApolloLink;
}): ApolloClient {
  const http = ApolloLink.from([
    authLink(opts.session),
    new HttpLink({ uri: opts.uri, ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
  ]);
  return new ApolloClient({
    link: opts.subscriptions ? ApolloLink.split(isSubscription, opts.subscriptions, http) : http,
    cache: new InMemoryCache(),
    // An account's data must not outlive its session: clearStore() on sign-out (see below).
    defaultOptions: { query: { fetchPolicy: 'network-only' } },
  });
}

/** Clears Apollo's cache whenever the session signs out, so the next user sees nothing stale. */
export function clearCacheOnSignOut(client: ApolloClient, session: AuthSession): () => void {
  return session.subscribe((token) => {
    if (token === null) void client.clearStore();
  });
}
