import { AccountTokenError } from '../auth/account-tokens.js';
import type { Services } from '../services.js';
import type { AccountTokenEntity } from '../db/entities/account-token.js';
import { type UserEntity, UserSchema } from '../db/entities/user.js';
import { isUniqueViolation } from '../db/user-store.js';
import { badToken, badUserInput, mailUnavailable, unauthenticated } from '../errors.js';
import { publishAccountEvent } from '../events.js';
import { MailError, type OutgoingMail } from '../mail/mailer.js';
import type { RequestOrigin } from '../security/security-log.js';
import { assertCurrentPassword, emailTaken } from './credentials.js';
import { validEmail } from './validation.js';

/**
 * Proving an address: the link mailed after signup (EMAIL_VERIFICATION) and the one mailed to a
 * new address (EMAIL_CHANGE). Both are confirmed by `verifyEmail`. A link proves the address it
 * was mailed to, stored with it: a link for an address the account no longer has proves nothing.
 */

type Purpose = 'EMAIL_VERIFICATION' | 'EMAIL_CHANGE';

/**
 * Issues a token, mails its link, and only then voids the older links of that purpose. A failed
 * send deletes the new token, so the request leaves everything as it was (older links still work).
 */
async function issueAndMail(
  services: Services,
  user: UserEntity,
  purpose: Purpose,
  email: string,
  mail: (link: string, ttlSeconds: number) => OutgoingMail,
): Promise<void> {
  const ttlSeconds = services.config.mail.emailVerificationTtl;
  const store = services.accountTokens.store;
  const issued = await services.accountTokens.issue({ userId: user.id, purpose, email, ttlSeconds });
  try {
    await services.mailer.send(mail(services.links.verifyEmail(issued.token), ttlSeconds));
  } catch (e) {
    await store.delete(issued.id);
    throw e;
  }
  await store.revokeOthers(user.id, [purpose], issued.id);
}

const verificationMail =
  (user: UserEntity) =>
  (link: string, ttlSeconds: number): OutgoingMail => ({
    to: user.email,
    userId: user.id,
    template: { kind: 'VERIFY_EMAIL', name: user.name, link, ttlSeconds },
  });

/** After signup: nobody waits for this mail; a failure is logged and the link voided. */
export function mailVerificationLater(services: Services, user: UserEntity): void {
  if (services.mailer.transport === 'disabled') {
    services.logger.info('verification mail not sent: mail is disabled', { userId: user.id });
    return;
  }
  services.background.run('verification mail', async () => {
    try {
      await issueAndMail(services, user, 'EMAIL_VERIFICATION', user.email, verificationMail(user));
    } catch (e) {
      if (!(e instanceof MailError)) throw e;
    }
  });
}

/** Wraps a send the user waits for: a failure becomes MAIL_DISABLED or MAIL_FAILED. */
async function waited(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof MailError) throw mailUnavailable(e.failure);
    throw e;
  }
}

export async function resendVerification(services: Services, caller: UserEntity, address: string): Promise<boolean> {
  if (caller.emailVerifiedAt) return false;
  if (services.mailer.transport === 'disabled') throw mailUnavailable('DISABLED');
  await services.mailThrottle.consume('verify', caller.email, address);
  await waited(() => issueAndMail(services, caller, 'EMAIL_VERIFICATION', caller.email, verificationMail(caller)));
  services.logger.info('verification mail resent', { userId: caller.id });
  return true;
}

export async function requestEmailChange(
  services: Services,
  caller: UserEntity,
  rawNewEmail: string,
  currentPassword: string,
  address: string,
): Promise<boolean> {
  const newEmail = validEmail(rawNewEmail, 'newEmail');
  if (newEmail === caller.email) throw badUserInput('This is already your e-mail address', 'newEmail');
  if (services.mailer.transport === 'disabled') throw mailUnavailable('DISABLED');
  await assertCurrentPassword(services, caller, currentPassword, address);
  // As signup says: one account per address (verifyEmail checks again, as the address may be taken meanwhile).
  if (await services.users.findByEmail(newEmail)) throw emailTaken('newEmail');
  await services.mailThrottle.consume('change', newEmail, address);
  await waited(() =>
    issueAndMail(services, caller, 'EMAIL_CHANGE', newEmail, (link, ttlSeconds) => ({
      to: newEmail,
      userId: caller.id,
      template: { kind: 'CONFIRM_EMAIL_CHANGE', name: caller.name, link, ttlSeconds, newEmail },
    })),
  );
  // The owner hears of it at the address they have now, in case it was not them.
  services.mailer.sendLater({
    to: caller.email,
    userId: caller.id,
    template: { kind: 'EMAIL_CHANGE_NOTICE', name: caller.name, newEmail },
  });
  services.logger.info('e-mail change requested', { userId: caller.id });
  return true;
}

/**
 * Spends the token and applies what it proves, in one transaction: both happen or neither. The
 * security log keeps `origin`: the request that confirmed (the browser the link was opened in).
 */
export async function verifyEmail(services: Services, token: string, origin: RequestOrigin): Promise<UserEntity> {
  const { accountTokens, users } = services;
  let row: AccountTokenEntity;
  try {
    row = await accountTokens.find(token, ['EMAIL_VERIFICATION', 'EMAIL_CHANGE']);
  } catch (e) {
    if (e instanceof AccountTokenError) throw badToken(e.reason);
    throw e;
  }
  const change = row.purpose === 'EMAIL_CHANGE';
  if (change) {
    const holder = await users.findByEmail(row.email);
    if (holder && holder.id !== row.userId) throw emailTakenByToken();
  }
  // A refusal is thrown inside the transaction, so it rolls back: the token is not spent.
  await accountTokens.store.transaction(async (m) => {
    const store = accountTokens.store;
    if (!(await store.consume(m, row.id))) throw await tokenRefusal(services, token);
    const now = new Date();
    const qb = m
      .getRepository(UserSchema)
      .createQueryBuilder()
      .update()
      .set(change ? { email: row.email, emailVerifiedAt: now } : { emailVerifiedAt: now })
      .where('id = :id', { id: row.userId });
    // A signup link proves the address it was sent to, not one the account moved to since.
    if (!change) qb.andWhere('email = :email', { email: row.email });
    let affected: number;
    try {
      affected = (await qb.execute()).affected ?? 0;
    } catch (e) {
      if (isUniqueViolation(e)) throw emailTakenByToken();
      throw e;
    }
    if (affected === 0) throw badToken('TOKEN_REPLACED');
    // The account's address is settled: links for another address, or resets mailed to the old
    // one, must not linger.
    if (change) await store.revokeOthers(row.userId, ['EMAIL_CHANGE', 'EMAIL_VERIFICATION', 'PASSWORD_RESET'], null, m);
    else await store.revokeOthers(row.userId, ['EMAIL_VERIFICATION'], null, m);
  });
  const user = await users.findById(row.userId);
  if (!user) throw unauthenticated('user_gone');
  services.logger.info(change ? 'e-mail changed' : 'e-mail verified', { userId: user.id });
  if (change) publishAccountEvent(services.events, user.id, 'PROFILE_UPDATED');
  await services.securityLog.record(change ? 'EMAIL_CHANGED' : 'EMAIL_VERIFIED', { userId: user.id, origin });
  return user;
}

function emailTakenByToken() {
  return badUserInput('Another account has taken this e-mail address in the meantime', 'token', 'EMAIL_TAKEN');
}

/** Why a token that looked live could not be spent (a concurrent request spent it, or it expired). */
export async function tokenRefusal(services: Services, token: string): Promise<Error> {
  try {
    await services.accountTokens.find(token, ['EMAIL_VERIFICATION', 'EMAIL_CHANGE', 'PASSWORD_RESET']);
    return badToken('TOKEN_USED');
  } catch (e) {
    return e instanceof AccountTokenError ? badToken(e.reason) : (e as Error);
  }
}
