import { PASSWORD_MAX_LENGTH } from '../auth/password.js';
import type { UserEntity } from '../db/entities/user.js';
import { badUserInput } from '../errors.js';
import type { Services } from '../services.js';

/** The checks that account changes share (users/accounts.ts, users/verification.ts). */

export function emailTaken(field = 'email') {
  return badUserInput('An account with this email already exists', field);
}

/**
 * For changes that need the password again (new password, new e-mail). A stolen access token must
 * not become an oracle for the password: the login throttle applies, and a wrong one counts.
 */
export async function assertCurrentPassword(
  services: Services,
  caller: UserEntity,
  currentPassword: string,
  address: string,
  /** The argument that carried it (reauthenticate calls it `password`). */
  field = 'currentPassword',
): Promise<void> {
  // As at login: refused on arrival when a counter is full, counted once the hash has its slot.
  await services.throttle.check(caller.email, address);
  const reserve = () => services.throttle.reserve(caller.email, address);
  const ok =
    [...currentPassword].length <= PASSWORD_MAX_LENGTH
      ? await services.passwords.verify(caller.passwordHash, currentPassword, reserve)
      : await reserve().then(() => false);
  // Not UNAUTHENTICATED: the token is fine, and clients log out on that code.
  if (!ok)
    throw badUserInput(field === 'currentPassword' ? 'Current password is incorrect' : 'Password is incorrect', field);
  await services.throttle.uncount(caller.email, address);
}
