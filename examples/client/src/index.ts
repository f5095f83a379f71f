export * from './session.js';
export * from './operations.js';
export { authLink, createApolloClient, clearCacheOnSignOut, apolloMutate } from './apollo.js';
export { sessionAuthExchange, createUrqlClient, urqlMutate } from './urql.js';
export * from './second-factor.js';
export { refreshViaMutation, REFRESH_DOCUMENT, type RefreshOptions } from './refresh.js';
