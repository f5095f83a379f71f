export * from './session.js';
export * from './operations.js';
export { authLink, createApolloClient, clearCacheOnSignOut } from './apollo.js';
export { sessionAuthExchange, createUrqlClient } from './urql.js';
export { mutationRefresher, REFRESH_DOCUMENT } from './refresh.js';
