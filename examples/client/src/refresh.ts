import type { RefreshMutation, RefreshMutationVariables } from './gql/graphql.js';
import type { Refresher } from './session.js';

/**
 * The contract's Sessions section: `refresh(refreshToken: String): AuthPayload!` rotates the
 * refresh token and returns a new access token. The magic comment below lets codegen validate
 * this document against the schema and generate its types (RefreshMutation).
 *
 * It is sent with fetch directly, not through the Apollo/urql client, so a refused refresh
 * cannot loop back into the link or exchange that asked for it.
 */
export const REFRESH_DOCUMENT = /* GraphQL */ `
  mutation Refresh($refreshToken: String) {
    refresh(refreshToken: $refreshToken) {
      token
      refreshToken
    }
  }
`;

export interface RefreshOptions {
  /** The API's /graphql URL. */
  endpoint: string;
  fetch?: typeof fetch;
  /**
   * Cookie mode (REFRESH_TOKEN_TRANSPORT=cookie): the refresh token is an HttpOnly cookie, sent
   * by the browser when credentials allow it. 'same-origin' (the default) suits a page served
   * with the API; a page on another origin needs 'include' and the API's CORS allowing it.
   */
  credentials?: RequestCredentials;
}

/**
 * A `Refresher` for AuthSession. Body mode: sends the kept refresh token. Cookie mode: sends
 * none (`refreshToken` stays null) and the cookie does the work. Resolves null when refused.
 */
export function refreshViaMutation(opts: RefreshOptions): Refresher {
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  return async (refreshToken) => {
    const variables: RefreshMutationVariables = refreshToken ? { refreshToken } : {};
    const res = await doFetch(opts.endpoint, {
      method: 'POST',
      credentials: opts.credentials ?? 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: REFRESH_DOCUMENT, variables }),
    });
    const body = (await res.json().catch(() => null)) as { data?: RefreshMutation | null } | null;
    const payload = body?.data?.refresh;
    return payload ? { token: payload.token, refreshToken: payload.refreshToken ?? null } : null;
  };
}
