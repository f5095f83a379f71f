import { assertNewPassword } from '../auth/new-password.js';
import { PASSWORD_MAX_LENGTH } from '../auth/password.js';
import type { Services } from '../services.js';
import type { UserEntity } from '../db/entities/user.js';
import { EmailTakenError } from '../db/user-store.js';
import { RefreshTokenError } from '../auth/refresh-tokens.js';
import { badUserInput, mfaRequired, notFound, unauthenticated } from '../errors.js';
import { publishAccountEvent } from '../events.js';
import { assertSignInAllowed, noteFailedLogin } from '../security/login-events.js';
import type { RequestOrigin } from '../security/security-log.js';
import { assertCurrentPassword, emailTaken } from './credentials.js';
import { countedSignIn } from './sign-in-outcome.js';
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

/**
 * What a sign-in proved and when: `auth_time` (seconds) and `amr` in every access token, kept with
 * the refresh-token family so a refresh carries them on unchanged. Null only for families from
 * before they were recorded.
 */
export interface Proof {
  authTime: number | null;
  amr: string[] | null;
}

/** A sign-in happening now, proven by `amr` (`['pwd']`, or `['pwd', 'otp']` with a second factor). */
export function provenNow(amr: string[]): Proof {
  return { authTime: Math.floor(Date.now() / 1000), amr };
}

/** The proof a verified access token carries, for flows that continue its sign-in. */
export function proofOf(claims: { auth_time?: number; amr?: string[] }): Proof {
  return { authTime: claims.auth_time ?? null, amr: claims.amr ?? null };
}

/** How a sign-in is issued: a new session from `origin`, or (a refresh) continuing `sessionId`. */
export interface IssueOptions {
  /** Continue this session (rotation, reauthentication) instead of starting one. */
  sessionId?: string;
  /** Where a new session's sign-in came from, for the session list. */
  origin?: RequestOrigin | undefined;
  /** What the sign-in proved and when (new sign-ins), or carries on unchanged (a refresh). */
  proof: Proof;
}

/**
 * The one way anyone is signed in: an access token carrying the session's id as `sid` and the
 * sign-in's `auth_time` and `amr`, and a refresh token in the session's family. A new session
 * unless continuing one. Every flow that answers an AuthPayload comes through here, after it has
 * checked every factor the account needs (test/second-factor-paths.test.ts walks them all).
 */
export async function issue(services: Services, user: UserEntity, opts: IssueOptions): Promise<Session> {
  const { proof } = opts;
  const sessionId =
    opts.sessionId ?? (await services.sessions.start(user.id, opts.origin, services.config.refresh.ttl)).id;
  const [token, refresh] = await Promise.all([
    services.tokens.sign(user, {
      sid: sessionId,
      ...(proof.authTime !== null ? { authTime: proof.authTime } : {}),
      ...(proof.amr !== null ? { amr: proof.amr } : {}),
    }),
    services.refreshTokens.issue(user.id, sessionId, {
      authTime: proof.authTime === null ? null : new Date(proof.authTime * 1000),
      amr: proof.amr,
    }),
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
  await assertNewPassword(services, input.password, 'input.password');
  const address = origin?.address ?? 'unknown';
  // Counted once the input is well formed, and before the taken check, so "already taken" is
  // answered no more often than accounts can be made.
  await services.signupThrottle.consume(address);
  // A cheap pre-check spares an argon2 hash for an address that is plainly taken;
  // the unique index still decides races between simultaneous signups.
  if (await services.users.findByEmail(email)) throw emailTaken('input.email');
  // Its verification mail is bounded by the signup limit above, one mail per new account, and
  // not by MAIL_MAX_PER_ADDRESS: a signup refused for mail sent on other requests (resets) would
  // be refused for something its user never did.
  const passwordHash = await services.passwords.hash(input.password);
  try {
    const user = await services.users.create({ name, email, passwordHash });
    services.logger.info('signup', { userId: user.id });
    // In the background: signup neither waits for nor fails on the mail server (resendVerificationEmail).
    mailVerificationLater(services, user);
    const session = await issue(services, user, { origin, proof: provenNow(['pwd']) });
    await services.securityLog.record('SIGNED_UP', { userId: user.id, origin, sessionId: session.sessionId });
    return session;
  } catch (e) {
    if (e instanceof EmailTakenError) throw emailTaken('input.email');
    throw e;
  }
}

/** A sign-in, counted by outcome (auth_logins_total). */
export function login(services: Services, rawEmail: string, password: string, origin: RequestOrigin): Promise<Session> {
  return countedSignIn(services, () => passwordLogin(services, rawEmail, password, origin));
}

async function passwordLogin(services: Services, rawEmail: string, password: string, origin: RequestOrigin) {
  const address = origin.address ?? 'unknown';
  const email = normalizeEmail(rawEmail);
  // Before any hashing: a throttled attempt costs the server nothing.
  await assertSignInAllowed(services, email, origin, email, 'check');
  // Counted once the hash has its slot (so attempts sent at once are held to the limits), and a
  // failure from then on unless the password proves right.
  const reserve = () => assertSignInAllowed(services, email, origin, email, 'reserve');
  // No account can have a password this long, and hashing one is wasted work an attacker chooses.
  if ([...password].length > PASSWORD_MAX_LENGTH) {
    await reserve();
    throw unauthenticated('credentials');
  }
  const user = email.length > 0 ? await services.users.findByEmail(email) : null;
  // Spend one verify whether or not the account exists, so both failures look and take alike.
  const { ok, rehash } = await services.passwords.check(user?.passwordHash, password, reserve);
  if (!user || !ok) {
    services.logger.info('login failed', { userId: user?.id ?? null, address });
    noteFailedLogin(services, user, origin);
    throw unauthenticated('credentials');
  }
  let current = user;
  if (rehash) {
    // The password is at hand only now: upgrade a hash made with older parameters, or made from
    // the password as typed before passwords were normalised (NFKC).
    const passwordHash = await services.passwords.hash(password);
    current = (await services.users.update(user.id, { passwordHash })) ?? user;
    services.logger.info('password hash upgraded', { userId: user.id });
  }
  if (await services.mfa.isEnabled(user.id)) {
    // No token yet: the password does not count as a failure, but the address is trusted, and
    // its failure count cleared, only once the second factor is proven too (verifyLogin).
    await services.throttle.uncount(email, address);
    services.logger.info('login: second factor required', { userId: user.id, address });
    throw mfaRequired(await services.mfa.createChallenge(current));
  }
  await services.throttle.signedIn(email, address);
  const session = await issue(services, current, { origin, proof: provenNow(['pwd']) });
  await services.securityLog.record('LOGIN_SUCCEEDED', { userId: user.id, origin, sessionId: session.sessionId });
  return session;
}

export async function changePassword(
  services: Services,
  caller: UserEntity,
  currentPassword: string,
  newPassword: string,
  origin: RequestOrigin,
  proof: Proof,
): Promise<Session> {
  await assertNewPassword(services, newPassword, 'newPassword');
  await assertCurrentPassword(services, caller, currentPassword, origin.address ?? 'unknown');
  const passwordHash = await services.passwords.hash(newPassword);
  // Bumping the token version refuses every access token issued before, on every instance;
  // other sessions' refresh tokens go too, so a thief who had the old password is out.
  const user = await services.users.update(caller.id, { passwordHash, bumpTokenVersion: true });
  if (!user) throw unauthenticated('user_gone');
  await services.sessions.revokeAllBut(user.id, undefined);
  await services.refreshTokens.revokeAll(user.id);
  // A reset link asked for before the change would undo it for the rest of its TTL, and an e-mail
  // change started by whoever knew the old password would hand them the account once its link is
  // opened: both void, as a newer link makes them (recovery.ts), so they answer TOKEN_REPLACED.
  await services.accountTokens.store.revokeOthers(user.id, ['PASSWORD_RESET', 'EMAIL_CHANGE'], null);
  services.logger.info('password changed', { userId: user.id });
  publishAccountEvent(services.events, user.id, 'PASSWORD_CHANGED');
  // A new session (every other one just ended), carrying the sign-in's auth_time and amr, not this
  // request's: a password alone is not a second factor, so it cannot make a session fresh for step-up.
  const session = await issue(services, user, { origin, proof });
  // In the session the change started (as SIGNED_UP, LOGIN_SUCCEEDED and PASSWORD_RESET are): the
  // device that made it, as the session list shows it; the request's own session has just ended.
  await services.securityLog.record('PASSWORD_CHANGED', { userId: user.id, origin, sessionId: session.sessionId });
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
  receivedAt?: Date,
): Promise<Session> {
  let owner: Awaited<ReturnType<Services['refreshTokens']['consume']>>;
  try {
    owner = await services.refreshTokens.consume(refreshToken, receivedAt);
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
  // The sign-in's auth_time and amr, unchanged: a refresh is not a new proof of anything.
  const proof = { authTime: owner.authTime ? Math.floor(owner.authTime.getTime() / 1000) : null, amr: owner.amr };
  return issue(services, user, { sessionId: owner.familyId, proof });
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
