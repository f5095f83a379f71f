export * from './session.js';
export * from './operations.js';
export {
  authLink,
  createApolloClient,
  clearCacheOnSignOut,
  sseLink,
  webSocketLink,
  apolloMutate,
} from './apollo.js';
export { sessionAuthExchange, createUrqlClient, subscriptionsOver, urqlMutate } from './urql.js';
export * from './second-factor.js';
export * from './passkeys.js';
export { refreshViaMutation, REFRESH_DOCUMENT, type RefreshOptions } from './refresh.js';
export {
  CLOSE_TOKEN_REFUSED,
  sseTransport,
  type SubscriptionTransport,
  webSocketTransport,
} from './subscriptions.js';
