import { GraphQLError } from 'graphql';
import { assertPasswordPolicy, PASSWORD_MAX_LENGTH } from '../auth/password.js';
import type { Services } from '../services.js';
import type { UserEntity } from '../db/entities/user.js';
import { EmailTakenError } from '../db/user-store.js';
import { RefreshTokenError } from '../auth/refresh-tokens.js';
import { ErrorCode, badUserInput, notFound, unauthenticated } from '../errors.js';
import { publishAccountEvent } from '../events.js';
import { noteFailedLogin, noteThrottledLogin } from '../security/login-events.js';
import type { RequestOrigin } from '../security/security-log.js';
import { assertCurrentPassword, emailTaken } from './credentials.js';
import { normalizeEmail, validEmail, validName } from './validation.js';
import { mailVerificationLater } from './verification.js';

/** What the sign-in mutations return, before the refresh token is put where it travels. */
export interface Session {
  token: string;
  refresh: { token: string; expiresAt: Date };
  user: UserEntity;
  /** The session (sign-in) the tokens belong to: the access token's `sid`. */
  sessionId: string;
}

/** How a sign-in is issued: a new session from `origin`, or (a refresh) continuing `sessionId`. */
export interface IssueOptions {
  /** Continue this session (rotation) instead of starting one. */
  sessionId?: string;
  /** Where a new session's sign-in came from, for the session list. */
  origin?: RequestOrigin;
}

/**
 * The one way a sign-in is issued: an access token carrying the session's id as `sid`, and a
 * refresh token in the session's family. A new session unless continuing one (rotation).
 */
export async function issue(services: Services, user: UserEntity, opts: IssueOptions = {}): Promise<Session> {
  const sessionId =
    opts.sessionId ?? (await services.sessions.start(user.id, opts.origin, services.config.refresh.ttl)).id;
  const [token, refresh] = await Promise.all([
    services.tokens.sign(user, { sid: sessionId }),
    services.refreshTokens.issue(user.id, sessionId),
  ]);
  if (opts.sessionId) await services.sessions.extend(sessionId, refresh.expiresAt);
  return { token, refresh, user, sessionId };
}

export async function signup(
  services: Services,
  input: { name: string; email: string; password: string },
  origin?: RequestOrigin,
): Promise<Session> {
  const name = validName(input.name, 'input.name');
  const email = validEmail(input.email, 'input.email');
  assertPasswordPolicy(input.password, 'input.password');
  // A cheap pre-check spares an argon2 hash for an address that is plainly taken;
  // the unique index still decides races between simultaneous signups.
  if (await services.users.findByEmail(email)) throw emailTaken('input.email');
  const passwordHash = await services.passwords.hash(input.password);
  try {
    const user = await services.users.create({ name, email, passwordHash });
    services.logger.info('signup', { userId: user.id });
    // In the background: signup neither waits for nor fails on the mail server (resendVerificationEmail).
    mailVerificationLater(services, user);
    const session = await issue(services, user, { origin });
    await services.securityLog.record('SIGNED_UP', { userId: user.id, origin, sessionId: session.sessionId });
    return session;
  } catch (e) {
    if (e instanceof EmailTakenError) throw emailTaken('input.email');
    throw e;
  }
}

/** A sign-in, counted by outcome (auth_logins_total). */
export async function login(
  services: Services,
  rawEmail: string,
  password: string,
  origin: RequestOrigin,
): Promise<Session> {
  try {
    const session = await passwordLogin(services, rawEmail, password, origin);
    services.metrics.logins.inc({ outcome: 'success' });
    return session;
  } catch (e) {
    const code = e instanceof GraphQLError ? e.extensions.code : undefined;
    const outcome =
      code === ErrorCode.UNAUTHENTICATED
        ? 'invalid_credentials'
        : code === ErrorCode.RATE_LIMITED
          ? 'rate_limited'
          : 'error';
    services.metrics.logins.inc({ outcome });
    throw e;
  }
}

async function passwordLogin(services: Services, rawEmail: string, password: string, origin: RequestOrigin) {
  const address = origin.address ?? 'unknown';
  const email = normalizeEmail(rawEmail);
  // Before any hashing: a throttled attempt costs the server nothing.
  try {
    await services.throttle.assertAllowed(email, address);
  } catch (e) {
    noteThrottledLogin(services, email, origin);
    throw e;
  }
  // No account can have a password this long, and hashing one is wasted work an attacker chooses.
  if ([...password].length > PASSWORD_MAX_LENGTH) {
    await services.throttle.recordFailure(email, address);
    throw unauthenticated('credentials');
  }
  const user = email.length > 0 ? await services.users.findByEmail(email) : null;
  // Spend one verify whether or not the account exists, so both failures look and take alike.
  const ok = await services.passwords.verify(user?.passwordHash, password);
  if (!user || !ok) {
    await services.throttle.recordFailure(email, address);
    services.logger.info('login failed', { userId: user?.id ?? null, address });
    noteFailedLogin(services, user, origin);
    throw unauthenticated('credentials');
  }
  await services.throttle.recordSuccess(email, address);
  let current = user;
  if (services.passwords.needsRehash(user.passwordHash)) {
    // The password is at hand only now: upgrade a hash made with older parameters.
    const passwordHash = await services.passwords.hash(password);
    current = (await services.users.update(user.id, { passwordHash })) ?? user;
    services.logger.info('password hash upgraded', { userId: user.id });
  }
  const session = await issue(services, current, { origin });
  await services.securityLog.record('LOGIN_SUCCEEDED', { userId: user.id, origin, sessionId: session.sessionId });
  return session;
}

export async function changePassword(
  services: Services,
  caller: UserEntity,
  currentPassword: string,
  newPassword: string,
  origin: RequestOrigin,
): Promise<Session> {
  assertPasswordPolicy(newPassword, 'newPassword');
  await assertCurrentPassword(services, caller, currentPassword, origin.address ?? 'unknown');
  const passwordHash = await services.passwords.hash(newPassword);
  // Bumping the token version refuses every access token issued before, on every instance;
  // other sessions' refresh tokens go too, so a thief who had the old password is out.
  const user = await services.users.update(caller.id, { passwordHash, bumpTokenVersion: true });
  if (!user) throw unauthenticated('user_gone');
  await services.sessions.revokeAllBut(user.id, undefined);
  await services.refreshTokens.revokeAll(user.id);
  services.logger.info('password changed', { userId: user.id });
  publishAccountEvent(services.events, user.id, 'PASSWORD_CHANGED');
  const session = await issue(services, user, { origin });
  await services.securityLog.record('PASSWORD_CHANGED', { userId: user.id, origin });
  return session;
}

export async function updateProfile(
  services: Services,
  callerId: string,
  input: { name?: string | null; email?: string | null },
): Promise<UserEntity> {
  const changes: { name?: string } = {};
  if (input.name !== undefined && input.name !== null) changes.name = validName(input.name, 'input.name');
  if (input.email !== undefined && input.email !== null) {
    // An unproven address must not become the account's: that goes through requestEmailChange.
    const current = await services.users.findById(callerId);
    if (!current) throw unauthenticated('user_gone');
    if (validEmail(input.email, 'input.email') !== current.email)
      throw badUserInput(
        'updateMe no longer changes the e-mail address: use requestEmailChange, which mails the new address a link',
        'input.email',
      );
  }
  try {
    const user =
      Object.keys(changes).length > 0
        ? await services.users.update(callerId, changes)
        : await services.users.findById(callerId);
    if (!user) throw unauthenticated('user_gone');
    if (Object.keys(changes).length > 0) publishAccountEvent(services.events, user.id, 'PROFILE_UPDATED');
    return user;
  } catch (e) {
    if (e instanceof EmailTakenError) throw emailTaken('input.email');
    throw e;
  }
}

export async function deleteAccount(services: Services, id: string, by: string): Promise<UserEntity> {
  const user = await services.users.delete(id);
  if (!user) throw notFound('No such user');
  services.logger.info('user deleted', { userId: id, by });
  publishAccountEvent(services.events, id, 'DELETED');
  return user;
}

/**
 * Rotation: the refresh token is retired and a new one issued in the same session. The session
 * must still stand: one revoked while this refresh was in flight is not brought back.
 */
export async function refreshSession(
  services: Services,
  refreshToken: string,
  origin?: RequestOrigin,
): Promise<Session> {
  let owner: { userId: string; familyId: string };
  try {
    owner = await services.refreshTokens.consume(refreshToken);
  } catch (e) {
    if (e instanceof RefreshTokenError) {
      services.logger.info('refresh refused', { problem: e.problem });
      services.metrics.refreshes.inc({ outcome: 'refused' });
      if (e.problem === 'reused') services.metrics.refreshTokenReuse.inc();
      if (e.reuse) {
        // The family is revoked already (refresh-tokens.ts). A replay of a token exchanged earlier
        // also ends the session, so the access tokens it issued stop too. Two exchanges racing for
        // one unused token leave the session to the winner, whose answer is already on its way
        // (and whose new refresh token the family revocation may have caught). Either way the
        // owner sees it in the security log.
        if (!e.reuse.concurrent) await services.sessions.revoke(e.reuse.userId, e.reuse.familyId);
        await services.securityLog.record('REFRESH_TOKEN_REUSE_DETECTED', {
          userId: e.reuse.userId,
          origin,
          sessionId: e.reuse.familyId,
          details: { concurrent: e.reuse.concurrent },
        });
        if (!e.reuse.concurrent) publishAccountEvent(services.events, e.reuse.userId, 'SESSION_REVOKED');
      }
      throw unauthenticated('invalid_refresh');
    }
    throw e;
  }
  const [user, session] = await Promise.all([
    services.users.findById(owner.userId),
    services.sessions.live(owner.familyId),
  ]);
  services.metrics.refreshes.inc({ outcome: user && session ? 'success' : 'refused' });
  if (!user || !session) {
    await services.refreshTokens.revokeFamilyOf(owner.familyId);
    throw unauthenticated('invalid_refresh');
  }
  return issue(services, user, { sessionId: owner.familyId });
}

/** Refuses every access and refresh token the user holds, on every instance. */
export async function signOutEverywhere(services: Services, userId: string, origin?: RequestOrigin): Promise<void> {
  await services.users.update(userId, { bumpTokenVersion: true });
  await services.sessions.revokeAllBut(userId, undefined);
  await services.refreshTokens.revokeAll(userId);
  services.logger.info('signed out everywhere', { userId });
  publishAccountEvent(services.events, userId, 'SIGNED_OUT_EVERYWHERE');
  await services.securityLog.record('LOGGED_OUT_EVERYWHERE', { userId, origin });
}

export async function setRole(
  services: Services,
  id: string,
  role: UserEntity['role'],
  by: string,
): Promise<UserEntity> {
  // A role change refuses the account's older access tokens, so a demotion counts at once;
  // its refresh tokens stay, and the next refresh carries the new role.
  const user = await services.users.update(id, { role, bumpTokenVersion: true });
  if (!user) throw notFound('No such user');
  services.logger.info('role changed', { userId: id, role, by });
  publishAccountEvent(services.events, id, 'ROLE_CHANGED');
  // No origin: the administrator's address and device are not the account owner's to read.
  await services.securityLog.record('ROLE_CHANGED', { userId: id, details: { role, by } });
  return user;
}
