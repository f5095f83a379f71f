import { Client, cacheExchange, type Exchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { authExchange } from '@urql/exchange-auth';
import { type AuthSession, bearer, isTokenRejection } from './session.js';
import type { SubscriptionTransport } from './subscriptions.js';

/** The token an operation was sent with, read back from its headers. */
function sentToken(headers: HeadersInit | undefined): string | null {
  const value = new Headers(headers).get('authorization');
  return value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : null;
}

/**
 * urql's authExchange wired to the session: adds the token, and on UNAUTHENTICATED for a request
 * that carried one calls `session.recover()` (refresh once, else sign out). authExchange then
 * retries the operation once: with the new token, or without any after a sign-out, which gives
 * the caller the UNAUTHENTICATED error.
 */
export function sessionAuthExchange(session: AuthSession): Exchange {
  let lastRejected: string | null = null;
  return authExchange(async (utils) => ({
    addAuthToOperation(operation) {
      const token = session.token;
      return token ? utils.appendHeaders(operation, { Authorization: bearer(token) }) : operation;
    },
    didAuthError(error, operation) {
      // Subscriptions refresh, reconnect and resubscribe in their transport (src/subscriptions.ts).
      if (operation.kind === 'subscription') return false;
      const options = operation.context.fetchOptions;
      const sent = sentToken(typeof options === 'function' ? options().headers : options?.headers);
      if (sent === null || !isTokenRejection(error.graphQLErrors)) return false;
      lastRejected = sent;
      return true;
    },
    async refreshAuth() {
      await session.recover(lastRejected);
    },
  }));
}

/** urql's subscriptionExchange on either transport (webSocketTransport or sseTransport). */
export function subscriptionsOver(transport: SubscriptionTransport): Exchange {
  return subscriptionExchange({
    forwardSubscription: (request) => ({
      subscribe: (sink) => ({
        unsubscribe: transport.subscribe(
          { query: request.query ?? '', operationName: request.operationName ?? null, variables: request.variables },
          sink as never,
        ),
      }),
    }),
  });
}

export function createUrqlClient(opts: {
  url: string;
  session: AuthSession;
  fetch?: typeof fetch;
  /** Where subscriptions go; they carry the token themselves. */
  subscriptions?: SubscriptionTransport;
}): Client {
  return new Client({
    url: opts.url,
    exchanges: [
      cacheExchange,
      sessionAuthExchange(opts.session),
      ...(opts.subscriptions ? [subscriptionsOver(opts.subscriptions)] : []),
      fetchExchange,
    ],
    // Account data is per session: always ask the server.
    requestPolicy: 'network-only',
    preferGetMethod: false,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}
