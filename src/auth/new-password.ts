import { badUserInput } from '../errors.js';
import { isCommonPassword } from './common-passwords.js';
import { assertPasswordPolicy, normalizePassword } from './password.js';
import type { BreachedPasswords } from './pwned-passwords.js';

/**
 * Every password a user chooses (signup, changePassword, and resetPassword and the like) goes
 * through here: the length policy, the common-password list, then, when PWNED_PASSWORDS_URL is
 * set, the breach check. Before any hashing, so a refused password costs no argon2.
 */
export async function assertNewPassword(
  services: { breachedPasswords: BreachedPasswords },
  password: string,
  field: string,
): Promise<void> {
  assertPasswordPolicy(password, field);
  const normalized = normalizePassword(password);
  if (await isCommonPassword(normalized)) {
    throw badUserInput('This password is one of the most commonly used; choose another', field);
  }
  if (await services.breachedPasswords.isBreached(normalized)) {
    throw badUserInput('This password has appeared in a data breach; choose another', field);
  }
}
