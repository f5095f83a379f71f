import type { Refresher } from './session.js';

/**
 * The refresher for the contract's Sessions section, for when the API has it:
 *
 *   refresh(refreshToken: String): AuthPayload!   # AuthPayload gains refreshToken: String
 *
 * Not wired yet: today's schema has no `refresh`, so codegen would refuse this document. To
 * turn it on: select `refreshToken` in the Signup/Login documents (src/operations.ts) and keep
 * it (`refreshTokens.set(...)`), move this document into `graphql()` there, and pass
 * `refresh: mutationRefresher({ endpoint, refreshTokens })` to `new AuthSession`. The Apollo
 * link and the urql exchange already retry once after a successful refresh.
 *
 * It calls fetch directly, not through the client, so a refused refresh cannot loop back
 * into the link that asked for it. In cookie mode (refreshToken null) the HttpOnly cookie
 * travels with `credentials: 'include'`.
 */
export const REFRESH_DOCUMENT = `
  mutation Refresh($refreshToken: String) {
    refresh(refreshToken: $refreshToken) { token refreshToken }
  }
`;

export interface RefreshTokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export function mutationRefresher(opts: { endpoint: string; refreshTokens: RefreshTokenStore; fetch?: typeof fetch }): Refresher {
  const doFetch = opts.fetch ?? fetch;
  return async () => {
    const res = await doFetch(opts.endpoint, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: REFRESH_DOCUMENT, variables: { refreshToken: opts.refreshTokens.get() } }),
    });
    const body = (await res.json()) as { data?: { refresh?: { token: string; refreshToken: string | null } } | null };
    const payload = body.data?.refresh;
    if (!payload) {
      opts.refreshTokens.set(null);
      return null;
    }
    // Rotation: the old refresh token stops working, keep the new one.
    opts.refreshTokens.set(payload.refreshToken);
    return payload.token;
  };
}
