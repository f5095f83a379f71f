export * from './session.js';
export * from './operations.js';
export { authLink, createApolloClient, clearCacheOnSignOut } from './apollo.js';
export { sessionAuthExchange, createUrqlClient } from './urql.js';
export { refreshViaMutation, REFRESH_DOCUMENT, type RefreshOptions } from './refresh.js';
