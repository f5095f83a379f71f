import type { RequestOrigin } from '../security/security-log.js';
import type { UserEntity } from '../db/entities/user.js';
import { badUserInput, invalidSecondFactor, mfaRequired, notFound } from '../errors.js';
import type { TotpEnrolment } from '../mfa/second-factor.js';
import { assertSignInAllowed, noteFailedLogin } from '../security/login-events.js';
import type { Services } from '../services.js';
import { issue, provenNow, type Session } from './accounts.js';
import { assertCurrentPassword } from './credentials.js';
import { countedSignIn } from './sign-in-outcome.js';

/**
 * The account flows around the second factor (src/mfa/second-factor.ts): they add the password,
 * the login throttle and the tokens. Wrong codes count toward the same throttle as wrong
 * passwords, so six digits cannot be guessed faster than a password.
 */

const PWD_OTP = ['pwd', 'otp'];

export async function setupTotp(
  services: Services,
  user: UserEntity,
  currentPassword: string,
  address: string,
): Promise<TotpEnrolment> {
  await assertCurrentPassword(services, user, currentPassword, address);
  const enrolment = await services.mfa.begin(user.id, user.email);
  if (!enrolment) throw badUserInput('Two-factor sign-in is already on; turn it off first (disableTotp)');
  services.logger.info('totp setup started', { userId: user.id });
  return enrolment;
}

export async function confirmTotp(
  services: Services,
  user: UserEntity,
  code: string,
  origin: RequestOrigin,
): Promise<string[]> {
  const result = await services.mfa.confirm(user.id, code);
  if (result === 'no_setup') throw badUserInput('No two-factor setup is waiting: start with setupTotp', 'code');
  if (!result) throw badUserInput('Invalid code: enter the code your authenticator app shows now', 'code');
  services.logger.info('MFA_ENABLED', { userId: user.id });
  await services.securityLog.record('MFA_ENABLED', { userId: user.id, origin });
  return result;
}

export async function disableTotp(services: Services, user: UserEntity, code: string, origin: RequestOrigin) {
  const address = origin.address ?? 'unknown';
  if (!(await services.mfa.isEnabled(user.id))) throw badUserInput('Two-factor sign-in is not on', 'code');
  await services.throttle.attempt(user.email, address);
  if (!(await services.mfa.verify(user.id, code))) throw badUserInput('Invalid code', 'code');
  await services.throttle.uncount(user.email, address);
  await services.mfa.remove(user.id);
  services.logger.info('MFA_DISABLED', { userId: user.id, by: user.id });
  await services.securityLog.record('MFA_DISABLED', { userId: user.id, origin });
  return true;
}

/** The second half of a login that answered MFA_REQUIRED, counted by outcome (auth_logins_total). */
export function verifyLogin(
  services: Services,
  challenge: string,
  code: string,
  origin: RequestOrigin,
): Promise<Session> {
  return countedSignIn(services, () => secondFactorLogin(services, challenge, code, origin));
}

async function secondFactorLogin(
  services: Services,
  challenge: string,
  code: string,
  origin: RequestOrigin,
): Promise<Session> {
  const address = origin.address ?? 'unknown';
  const open = await services.mfa.findOpenChallenge(challenge);
  if (!open) throw invalidSecondFactor('challenge');
  const user = await services.users.findById(open.userId);
  // A password change (or a role change, logoutAll) since the password was proven voids it.
  if (!user || user.tokenVersion !== open.tokenVersion) throw invalidSecondFactor('challenge');
  // As a throttled password or passkey sign-in is: once per throttle window, in the background,
  // the answer the same RATE_LIMITED.
  await assertSignInAllowed(services, user.email, origin);
  const kind = await services.mfa.verify(user.id, code);
  if (!kind) {
    const locked = await services.mfa.failChallenge(open);
    services.logger.info('login failed: wrong second factor', { userId: user.id, address, locked });
    // As a wrong password is (not awaited, never failing the answer); the owner also learns that
    // whoever tried had the password.
    noteFailedLogin(services, user, origin, { method: 'password+totp', passwordCorrect: true });
    throw invalidSecondFactor(locked ? 'challenge' : 'code');
  }
  if (!(await services.mfa.consumeChallenge(open))) {
    // A right code, but another request used the challenge first: not a failure.
    await services.throttle.uncount(user.email, address);
    throw invalidSecondFactor('challenge');
  }
  await services.throttle.signedIn(user.email, address);
  if (kind === 'recovery') {
    services.logger.info('recovery code used', {
      userId: user.id,
      remaining: await services.mfa.unusedRecoveryCodes(user.id),
    });
    await services.securityLog.record('RECOVERY_CODE_USED', { userId: user.id, origin });
  }
  const session = await issue(services, user, { origin, proof: provenNow(PWD_OTP) });
  await services.securityLog.record('LOGIN_SUCCEEDED', {
    userId: user.id,
    origin,
    sessionId: session.sessionId,
    details: { method: kind === 'recovery' ? 'password+recovery-code' : 'password+totp' },
  });
  return session;
}

/**
 * For flows that set a password without the old one (resetPassword): with TOTP on, the code is
 * required too (MFA_REQUIRED without it; a wrong one is UNAUTHENTICATED, counts toward the login
 * throttle and is LOGIN_FAILED in the account's log). Returns the `amr` the resulting sign-in carries.
 */
export async function requireSecondFactor(
  services: Services,
  user: UserEntity,
  code: string | null | undefined,
  origin: RequestOrigin,
): Promise<string[]> {
  const address = origin.address ?? 'unknown';
  if (!(await services.mfa.isEnabled(user.id))) return ['pwd'];
  if (!code) throw mfaRequired();
  await assertSignInAllowed(services, user.email, origin);
  if (!(await services.mfa.verify(user.id, code))) {
    services.logger.info('password reset refused: wrong second factor', { userId: user.id, address });
    // As at verifyLogin (not awaited, never failing the answer). The code is checked only for a
    // valid link, so the owner learns that whoever tried had a reset link mailed to them.
    noteFailedLogin(services, user, origin, { method: 'reset-link+totp' });
    throw invalidSecondFactor('code');
  }
  // The reset that follows trusts the address (throttle.trust); this attempt is not a failure.
  await services.throttle.uncount(user.email, address);
  return PWD_OTP;
}

/** Step-up: the caller proves every factor again and gets a token with a new auth_time. */
export async function reauthenticate(
  services: Services,
  user: UserEntity,
  password: string,
  code: string | null | undefined,
  origin: RequestOrigin,
  sessionId: string | undefined,
): Promise<Session> {
  const address = origin.address ?? 'unknown';
  await assertCurrentPassword(services, user, password, address, 'password');
  const otp = await services.mfa.isEnabled(user.id);
  if (otp) {
    if (!code) throw mfaRequired();
    await services.throttle.attempt(user.email, address);
    if (!(await services.mfa.verify(user.id, code))) throw badUserInput('Invalid code', 'code');
    await services.throttle.signedIn(user.email, address);
  } else {
    await services.throttle.trust(user.email, address);
  }
  services.logger.info('reauthenticated', { userId: user.id });
  // The caller's session goes on with a new auth_time; a token from before sessions starts one.
  return issue(services, user, {
    ...(sessionId ? { sessionId } : { origin }),
    proof: provenNow(otp ? PWD_OTP : ['pwd']),
  });
}

/**
 * An administrator turns another account's TOTP off: the way back for a user who lost both
 * their device and their recovery codes, once the administrator has checked who they are.
 */
export async function resetUserTotp(services: Services, id: string, by: string): Promise<UserEntity> {
  const user = await services.users.findById(id);
  if (!user) throw notFound('No such user');
  const removed = await services.mfa.remove(user.id);
  services.logger.warn('MFA_DISABLED by an administrator', { userId: user.id, by, removed });
  await services.securityLog.record('MFA_DISABLED', { userId: user.id, details: { by } });
  return user;
}
