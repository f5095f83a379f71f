import { GraphQLError } from 'graphql';
import { assertPasswordPolicy, PASSWORD_MAX_LENGTH } from '../auth/password.js';
import type { Services } from '../services.js';
import type { UserEntity } from '../db/entities/user.js';
import { EmailTakenError } from '../db/user-store.js';
import { RefreshTokenError } from '../auth/refresh-tokens.js';
import { ErrorCode, badUserInput, notFound, unauthenticated } from '../errors.js';
import { publishAccountEvent } from '../events.js';
import { assertCurrentPassword, emailTaken } from './credentials.js';
import { normalizeEmail, validEmail, validName } from './validation.js';
import { mailVerificationLater } from './verification.js';

/** What the sign-in mutations return, before the refresh token is put where it travels. */
export interface Session {
  token: string;
  refresh: { token: string; expiresAt: Date };
  user: UserEntity;
}

/** An access token and a refresh token; a new family unless continuing one (rotation). */
export async function issue(services: Services, user: UserEntity, familyId?: string): Promise<Session> {
  const [token, refresh] = await Promise.all([
    services.tokens.sign(user),
    services.refreshTokens.issue(user.id, familyId),
  ]);
  return { token, refresh, user };
}

export async function signup(
  services: Services,
  input: { name: string; email: string; password: string },
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
    return await issue(services, user);
  } catch (e) {
    if (e instanceof EmailTakenError) throw emailTaken('input.email');
    throw e;
  }
}

/** A sign-in, counted by outcome (auth_logins_total). */
export async function login(services: Services, rawEmail: string, password: string, address: string): Promise<Session> {
  try {
    const session = await passwordLogin(services, rawEmail, password, address);
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

async function passwordLogin(services: Services, rawEmail: string, password: string, address: string) {
  const email = normalizeEmail(rawEmail);
  // Before any hashing: a throttled attempt costs the server nothing.
  await services.throttle.assertAllowed(email, address);
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
  return issue(services, current);
}

export async function changePassword(
  services: Services,
  caller: UserEntity,
  currentPassword: string,
  newPassword: string,
  address: string,
): Promise<Session> {
  assertPasswordPolicy(newPassword, 'newPassword');
  await assertCurrentPassword(services, caller, currentPassword, address);
  const passwordHash = await services.passwords.hash(newPassword);
  // Bumping the token version refuses every access token issued before, on every instance;
  // other sessions' refresh tokens go too, so a thief who had the old password is out.
  const user = await services.users.update(caller.id, { passwordHash, bumpTokenVersion: true });
  if (!user) throw unauthenticated('user_gone');
  await services.refreshTokens.revokeAll(user.id);
  services.logger.info('password changed', { userId: user.id });
  publishAccountEvent(services.events, user.id, 'PASSWORD_CHANGED');
  return issue(services, user);
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

/** Rotation: the refresh token is retired and a new one issued in the same family. */
export async function refreshSession(services: Services, refreshToken: string): Promise<Session> {
  let owner: { userId: string; familyId: string };
  try {
    owner = await services.refreshTokens.consume(refreshToken);
  } catch (e) {
    if (e instanceof RefreshTokenError) {
      services.logger.info('refresh refused', { problem: e.problem });
      services.metrics.refreshes.inc({ outcome: 'refused' });
      if (e.problem === 'reused') services.metrics.refreshTokenReuse.inc();
      throw unauthenticated('invalid_refresh');
    }
    throw e;
  }
  const user = await services.users.findById(owner.userId);
  services.metrics.refreshes.inc({ outcome: user ? 'success' : 'refused' });
  if (!user) throw unauthenticated('invalid_refresh');
  return issue(services, user, owner.familyId);
}

/** Refuses every access and refresh token the user holds, on every instance. */
export async function signOutEverywhere(services: Services, userId: string): Promise<void> {
  await services.users.update(userId, { bumpTokenVersion: true });
  await services.refreshTokens.revokeAll(userId);
  services.logger.info('signed out everywhere', { userId });
  publishAccountEvent(services.events, userId, 'SIGNED_OUT_EVERYWHERE');
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
  return user;
}
