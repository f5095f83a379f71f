import { badUserInput } from '../errors.js';
import { assertPasswordPolicy, normalizePassword } from './password.js';
import type { BreachedPasswords } from './pwned-passwords.js';

/**
 * Every password a user chooses (signup, changePassword, and resetPassword and the like) goes
 * through here: the policy (length, the common-password list), then, when PWNED_PASSWORDS_URL is
 * set, the breach check. Before any hashing, so a refused password costs no argon2.
 */
export async function assertNewPassword(
  services: { breachedPasswords: BreachedPasswords },
  password: string,
  field: string,
): Promise<void> {
  assertPasswordPolicy(password, field);
  if (await services.breachedPasswords.isBreached(normalizePassword(password))) {
    throw badUserInput('This password has appeared in a data breach; choose another', field);
  }
}
