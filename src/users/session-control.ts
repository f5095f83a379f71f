import { publishAccountEvent } from '../events.js';
import { notFound } from '../errors.js';
import type { RequestOrigin } from '../security/security-log.js';
import type { Services } from '../services.js';

/**
 * Ending sessions on the owner's request. Each one refuses the session's refresh token and, since
 * the per-request lookup reads the session row, its access tokens at the very next request on
 * every instance; the account event wakes the caller's open streams, which recheck and end.
 */

/** `logout`: ends the session a refresh token belongs to. False when it was unknown or had ended. */
export async function logoutByRefreshToken(
  services: Services,
  refreshToken: string,
  origin: RequestOrigin,
): Promise<boolean> {
  const owner = await services.refreshTokens.owner(refreshToken);
  if (!owner) return false;
  // Ends the session row and revokes its whole refresh-token family.
  if (!(await services.sessions.revoke(owner.userId, owner.familyId))) return false;
  await loggedOut(services, owner.userId, owner.familyId, origin);
  return true;
}

/** `logout` without a refresh token: ends the session of the access token that was sent. */
export async function logoutSession(
  services: Services,
  userId: string,
  sessionId: string,
  origin: RequestOrigin,
): Promise<boolean> {
  if (!(await services.sessions.revoke(userId, sessionId))) return false;
  await loggedOut(services, userId, sessionId, origin);
  return true;
}

async function loggedOut(services: Services, userId: string, sessionId: string, origin: RequestOrigin) {
  services.logger.info('logged out', { userId, sessionId });
  publishAccountEvent(services.events, userId, 'SESSION_REVOKED');
  await services.securityLog.record('LOGGED_OUT', { userId, origin, sessionId });
}

/**
 * `revokeSession`: NOT_FOUND unless the id names one of the caller's sessions, so nobody learns
 * whether another account's session id exists. True when it ended now, false when it had already.
 */
export async function revokeSession(
  services: Services,
  userId: string,
  sessionId: string,
  origin: RequestOrigin,
): Promise<boolean> {
  const session = await services.sessions.find(sessionId);
  if (!session || session.userId !== userId) throw notFound('No such session');
  if (!(await services.sessions.revoke(userId, sessionId))) return false;
  services.logger.info('session revoked', { userId, sessionId });
  publishAccountEvent(services.events, userId, 'SESSION_REVOKED');
  await services.securityLog.record('SESSION_REVOKED', { userId, origin, details: { revokedSessionId: sessionId } });
  return true;
}

/** `revokeOtherSessions`: every standing session of the caller but the current one; answers how many. */
export async function revokeOtherSessions(services: Services, userId: string, origin: RequestOrigin): Promise<number> {
  const count = await services.sessions.revokeAllBut(userId, origin.sessionId);
  services.logger.info('other sessions revoked', { userId, count });
  if (count > 0) publishAccountEvent(services.events, userId, 'SESSION_REVOKED');
  await services.securityLog.record('OTHER_SESSIONS_REVOKED', { userId, origin, details: { count } });
  return count;
}
