import { assertPasswordPolicy, PASSWORD_MAX_LENGTH } from '../auth/password.js';
import type { Services } from '../context.js';
import type { UserEntity } from '../db/entities/user.js';
import { EmailTakenError } from '../db/user-store.js';
import { badUserInput, notFound, unauthenticated } from '../errors.js';
import { normalizeEmail, validEmail, validName } from './validation.js';

/** What the sign-in mutations return. */
export interface Session {
  token: string;
  user: UserEntity;
}

function emailTaken(field = 'email') {
  return badUserInput('An account with this email already exists', field);
}

async function issue(services: Services, user: UserEntity): Promise<Session> {
  return { token: await services.tokens.sign(user), user };
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
    return await issue(services, user);
  } catch (e) {
    if (e instanceof EmailTakenError) throw emailTaken('input.email');
    throw e;
  }
}

export async function login(services: Services, rawEmail: string, password: string): Promise<Session> {
  const email = normalizeEmail(rawEmail);
  // No account can have a password this long, and hashing one is wasted work an attacker chooses.
  if ([...password].length > PASSWORD_MAX_LENGTH) throw unauthenticated('credentials');
  const user = email.length > 0 ? await services.users.findByEmail(email) : null;
  // Spend one verify whether or not the account exists, so both failures look and take alike.
  const ok = await services.passwords.verify(user?.passwordHash, password);
  if (!user || !ok) {
    services.logger.info('login failed', { userId: user?.id ?? null });
    throw unauthenticated('credentials');
  }
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
): Promise<Session> {
  assertPasswordPolicy(newPassword, 'newPassword');
  const ok =
    [...currentPassword].length <= PASSWORD_MAX_LENGTH &&
    (await services.passwords.verify(caller.passwordHash, currentPassword));
  // Not UNAUTHENTICATED: the token is fine, and clients log out on that code.
  if (!ok) throw badUserInput('Current password is incorrect', 'currentPassword');
  const passwordHash = await services.passwords.hash(newPassword);
  // Bumping the token version refuses every token issued before, on every instance.
  const user = await services.users.update(caller.id, { passwordHash, bumpTokenVersion: true });
  if (!user) throw unauthenticated('user_gone');
  services.logger.info('password changed', { userId: user.id });
  return issue(services, user);
}

export async function updateProfile(
  services: Services,
  callerId: string,
  input: { name?: string | null; email?: string | null },
): Promise<UserEntity> {
  const changes: { name?: string; email?: string } = {};
  if (input.name !== undefined && input.name !== null) changes.name = validName(input.name, 'input.name');
  if (input.email !== undefined && input.email !== null) changes.email = validEmail(input.email, 'input.email');
  try {
    const user =
      Object.keys(changes).length > 0
        ? await services.users.update(callerId, changes)
        : await services.users.findById(callerId);
    if (!user) throw unauthenticated('user_gone');
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
  return user;
}
