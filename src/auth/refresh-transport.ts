// Declares request.cookieStore, which the useCookies plugin (server.ts) provides.
import type {} from '@whatwg-node/server-plugin-cookies';
import type { Config } from '../config.js';
import { badUserInput, forbidden, unauthenticated } from '../errors.js';
import { isJsonRequest } from '../http/media-types.js';
import { isAllowedOrigin } from '../http/origins.js';

/**
 * Where the refresh token travels: in the response body (default) or, for browser frontends,
 * in an HttpOnly cookie that scripts cannot read (REFRESH_TOKEN_TRANSPORT=cookie).
 */

/** What the transport needs of a request's context (GraphQLContext satisfies it). */
export interface TransportContext {
  request: Request;
  services: { config: Pick<Config, 'refresh' | 'corsOrigins'> };
}

/**
 * A cookie rides along with any request the browser makes, including forged cross-site ones.
 * Only a JSON POST (which a cross-site page cannot send without a CORS preflight) from this
 * origin or an allowed one may use it; SameSite on the cookie is the second lock.
 */
function cookieRequestProblem(context: TransportContext): string | null {
  const { request, services } = context;
  if (request.method !== 'POST' || !isJsonRequest(request)) {
    return 'Requests that use the refresh cookie must be JSON POSTs';
  }
  const origin = request.headers.get('origin');
  if (origin && !isAllowedOrigin(origin, services.config.corsOrigins, request)) {
    return `Origin ${origin} may not use the refresh cookie`;
  }
  return null;
}

function assertCookieRequestIsSafe(context: TransportContext): void {
  const problem = cookieRequestProblem(context);
  if (problem) throw forbidden(problem);
}

/** Returns the token for the client to keep, or null when it went into the cookie. */
export async function deliverRefreshToken(
  context: TransportContext,
  refresh: { token: string; expiresAt: Date },
): Promise<string | null> {
  const { transport, cookie } = context.services.config.refresh;
  if (transport === 'body') return refresh.token;
  await context.request.cookieStore!.set({
    ...cookieAttributes(cookie),
    value: refresh.token,
    expires: refresh.expiresAt,
  });
  return null;
}

/**
 * The cookie's name and attributes, for setting it and for clearing it alike. A browser replaces
 * the cookie only with one of the same name, Domain and Path, and ignores a SameSite=None one that
 * is not Secure: a clearing header with other attributes than the setting one (as before, always
 * SameSite=Strict, never Secure) leaves a cross-site frontend's cookie in place after logout.
 */
function cookieAttributes(cookie: TransportContext['services']['config']['refresh']['cookie']) {
  return {
    name: cookie.name,
    domain: null,
    path: cookie.path,
    httpOnly: true,
    secure: cookie.secure,
    sameSite: cookie.sameSite,
  };
}

/** The refresh token of this request: the argument if given, else (cookie mode) the cookie. */
export async function receiveRefreshToken(
  context: TransportContext,
  argument: string | null | undefined,
): Promise<string> {
  if (argument) return argument;
  const { transport, cookie } = context.services.config.refresh;
  if (transport === 'body') throw badUserInput('refreshToken is required', 'refreshToken');
  assertCookieRequestIsSafe(context);
  const stored = await context.request.cookieStore?.get(cookie.name);
  if (!stored?.value) throw unauthenticated('missing_refresh');
  return stored.value;
}

/**
 * Clears the cookie, on a request that may use it: a refused request has no side effect, so a
 * forged cross-site `logout` does not sign the browser out either.
 */
export async function clearRefreshCookie(context: TransportContext): Promise<void> {
  const { transport, cookie } = context.services.config.refresh;
  if (transport !== 'cookie' || cookieRequestProblem(context)) return;
  // An empty value that expired in 1970, by set(): delete() takes only the name, Domain and Path.
  await context.request.cookieStore?.set({ ...cookieAttributes(cookie), value: '', expires: new Date(0) });
}
