import { GraphQLError } from 'graphql';
import type { UserEntity } from '../db/entities/user.js';
import type { SessionState, TokenSubject, UserStore } from '../db/user-store.js';
import { ErrorCode, type TokenProblem, unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';
import { readAuthorization } from './bearer.js';
import type { Caller } from './caller.js';
import { SESSION_TOUCH_INTERVAL_MS, type Sessions } from './sessions.js';
import { type AccessTokenClaims, TokenError, type TokenSigner } from './jwt.js';

/**
 * The one place that turns a presented credential into a caller, for every transport: the HTTP
 * context, server-sent events and WebSocket subscriptions all call it, so a new rule (a revoked
 * session, a second factor) is added here once.
 */
export interface Authenticator {
  /** `Authorization` header value (or connectionParams.authorization) -> caller, or null when none was sent. */
  fromAuthorization(header: string | null | undefined): Promise<Caller | null>;
  /**
   * The same, answered without waiting when everything it needs is in memory: a token verified
   * before, and its user + session lookup remembered since the last commit (UserStore
   * knownForToken). Otherwise the promise fromAuthorization would give, continued from where the
   * synchronous part stopped. Never throws: a refusal is a rejected promise.
   */
  resolve(header: string | null | undefined): Caller | null | Promise<Caller | null>;
  /** A bare access token -> caller; rejects with UNAUTHENTICATED. */
  fromToken(token: string): Promise<Caller>;
  /**
   * Re-applies the "still current" rule to a caller authenticated earlier: long-lived streams call
   * it after each event, so a deletion or revocation ends them. Rejects with UNAUTHENTICATED.
   */
  recheck(caller: Caller): Promise<void>;
}

/**
 * Whether a verified token still speaks for its user: the user exists, the token's version is
 * the user's current one (a password change, role change or logoutAll bumps it), and the session
 * it names (`sid`) still stands: not revoked by logout, revokeSession, revokeOtherSessions or
 * reuse detection, and not deleted. `session` is what the lookup found for `claims.sid` (null:
 * no such session of this user). Plain, so tests call it directly.
 *
 * A token without `sid` was issued before sessions existed (or by an operator's tool, e.g. the
 * test helpers' makeAdmin): it is accepted until its `exp` (JWT_EXPIRES_IN, an hour by default)
 * under the user and version checks alone, so an upgrade signs nobody out. Every sign-in since
 * carries `sid`, so after one token lifetime no such token is left in the wild.
 */
export function staleTokenProblem(
  user: UserEntity | null,
  claims: AccessTokenClaims,
  session: SessionState | null = null,
): TokenProblem | null {
  if (!user) return 'user_gone';
  if (user.tokenVersion !== claims.ver) return 'revoked';
  if (claims.sid !== undefined && (!session || session.revokedAt)) return 'session_ended';
  return null;
}

/**
 * Seconds since the caller last proved their factors (the token's `auth_time`, which a refresh
 * keeps), or null when the token does not say. `@auth(maxAge:)` compares it; null is never recent.
 */
export function signInAge(claims: Pick<AccessTokenClaims, 'auth_time'>, now = Date.now()): number | null {
  if (claims.auth_time === undefined) return null;
  return Math.max(0, Math.floor(now / 1000) - claims.auth_time);
}

/** Whether the sign-in behind `claims` happened within `maxAge` seconds. */
export function isRecentSignIn(
  claims: Pick<AccessTokenClaims, 'auth_time'>,
  maxAge: number,
  now = Date.now(),
): boolean {
  const age = signInAge(claims, now);
  return age !== null && age <= maxAge;
}

/** True for the failures that mean "this credential does not authenticate", not for outages. */
export function isAuthenticationFailure(e: unknown): boolean {
  return e instanceof GraphQLError && e.extensions.code === ErrorCode.UNAUTHENTICATED;
}

export function createAuthenticator(deps: {
  tokens: TokenSigner;
  users: UserStore;
  sessions: Pick<Sessions, 'touch'>;
  logger: Logger;
}): Authenticator {
  const { tokens, users, sessions, logger } = deps;

  function reject(problem: TokenProblem, detail: string): GraphQLError {
    // The real reason goes to the log (never the token itself); the client gets a plain message.
    logger.debug('token refused', { problem, detail });
    return unauthenticated(problem);
  }

  /** The token's user if `found` (the lookup's answer) says it still speaks for them; throws otherwise. */
  function checked(claims: AccessTokenClaims, found: TokenSubject | null): UserEntity {
    const user = found?.user ?? null;
    const problem = staleTokenProblem(user, claims, found?.session ?? null);
    if (problem === 'user_gone') throw reject(problem, `user ${claims.sub} no longer exists`);
    if (problem === 'session_ended') throw reject(problem, `session ${claims.sid} has ended`);
    if (problem) throw reject(problem, `token version ${claims.ver} is not ${user?.tokenVersion}`);
    return user as UserEntity;
  }

  /** Whether the session's "last used" is due for its about-once-a-minute write. */
  function touchDue(claims: AccessTokenClaims, session: SessionState | null | undefined): session is SessionState {
    return (
      claims.sid !== undefined && !!session && Date.now() - session.lastUsedAt.getTime() >= SESSION_TOUCH_INTERVAL_MS
    );
  }

  /** One query: the user and the token's session (src/db/user-store.ts findForToken). */
  /**
   * `looked`: what the caller already has from the lookup (resolve's remembered answer, or its own
   * read after a miss), so the commit check and the read are never done twice for one request.
   */
  async function currentUser(
    claims: AccessTokenClaims,
    looked?: TokenSubject | null | Promise<TokenSubject | null>,
  ): Promise<UserEntity> {
    // A database failure here propagates as itself (a masked server error), never as "anonymous".
    const found = await (looked !== undefined ? looked : users.findForToken(claims.sub, claims.sid));
    const user = checked(claims, found);
    const session = found?.session;
    if (claims.sid !== undefined && touchDue(claims, session)) {
      // "Last used" for the session list: written about once a minute (the check above costs no
      // query: the lookup read it), and a failed write is no reason to refuse a valid token.
      await sessions.touch(claims.sid, session.lastUsedAt).catch((e: unknown) => {
        logger.warn('session last-used not updated', { err: e, sessionId: claims.sid });
      });
    }
    return user;
  }

  async function fromToken(token: string): Promise<Caller> {
    let claims: AccessTokenClaims;
    try {
      claims = await tokens.verify(token);
    } catch (e) {
      if (e instanceof TokenError) throw reject(e.problem, e.detail);
      throw e;
    }
    return callerOf(await currentUser(claims), claims);
  }

  const callerOf = (user: UserEntity, claims: AccessTokenClaims): Caller => ({
    id: user.id,
    role: user.role,
    user,
    claims,
  });

  function resolve(header: string | null | undefined): Caller | null | Promise<Caller | null> {
    const presented = readAuthorization(header);
    if (presented.kind === 'none') return null;
    if (presented.kind === 'malformed')
      return Promise.reject(reject('malformed_header', 'Authorization header is not "Bearer <token>"'));
    const claims = tokens.verifyKnown(presented.token);
    if (!claims) return fromToken(presented.token);
    // The same rules as currentUser, on the remembered answer: only the waiting is skipped.
    const found = users.knownForToken(claims.sub, claims.sid);
    if (found === undefined || touchDue(claims, found?.session)) {
      // Not remembered: read now (the commit check has just been made); or due its "last used" write.
      const looked = found === undefined ? users.readForToken(claims.sub, claims.sid) : found;
      return currentUser(claims, looked).then((user) => callerOf(user, claims));
    }
    try {
      return callerOf(checked(claims, found), claims);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  return {
    fromToken,
    resolve,
    async fromAuthorization(header) {
      return resolve(header);
    },
    async recheck(caller) {
      await currentUser(caller.claims);
    },
  };
}
