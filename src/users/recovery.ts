import type { RequestOrigin } from '../security/security-log.js';
import { IsNull } from 'typeorm';
import { AccountTokenError } from '../auth/account-tokens.js';
import { assertNewPassword } from '../auth/new-password.js';
import type { Services } from '../services.js';
import type { AccountTokenEntity } from '../db/entities/account-token.js';
import { type PasskeyEntity, PasskeySchema } from '../db/entities/passkey.js';
import { RefreshTokenSchema } from '../db/entities/refresh-token.js';
import { SessionSchema } from '../db/entities/session.js';
import { UserSchema } from '../db/entities/user.js';
import { badToken, mailUnavailable } from '../errors.js';
import { publishAccountEvent } from '../events.js';
import { issue, provenNow, type Session } from './accounts.js';
import { requireSecondFactor } from './second-factor.js';
import { validEmail } from './validation.js';
import { tokenRefusal } from './verification.js';

/**
 * Password reset by mailed link.
 *
 * The request answers `true` at once and does the rest in the background (look the address up,
 * store a token, mail it): the answer and its timing are the same whether or not an account has
 * the address, and a slow mail server holds nobody's request.
 */
export async function requestPasswordReset(services: Services, rawEmail: string, origin: RequestOrigin): Promise<true> {
  const address = origin.address ?? 'unknown';
  const email = validEmail(rawEmail, 'email');
  // The same for every address, so it tells nothing about accounts.
  if (services.mailer.transport === 'disabled') throw mailUnavailable('DISABLED');
  // Counted for unknown addresses too: the throttle must not tell them apart either.
  await services.mailThrottle.consume('reset', email, address);
  services.background.run('password reset request', async () => {
    const user = await services.users.findByEmail(email);
    if (!user) {
      services.logger.info('password reset requested for an address with no account');
      return;
    }
    const ttlSeconds = services.config.mail.passwordResetTtl;
    const store = services.accountTokens.store;
    const issued = await services.accountTokens.issue({
      userId: user.id,
      purpose: 'PASSWORD_RESET',
      email: user.email,
      ttlSeconds,
    });
    const sent = await services.mailer
      .send({
        to: user.email,
        userId: user.id,
        template: {
          kind: 'PASSWORD_RESET',
          name: user.name,
          link: services.links.resetPassword(issued.token),
          ttlSeconds,
        },
      })
      .then(
        () => true,
        () => false,
      );
    // A failed send leaves nothing behind; a sent one makes every older reset link void.
    if (!sent) await store.delete(issued.id);
    else await store.revokeOthers(user.id, ['PASSWORD_RESET'], issued.id);
    // In the background like the rest: recorded only for a real account, and nobody can time it.
    if (sent) await services.securityLog.record('PASSWORD_RESET_REQUESTED', { userId: user.id, origin });
  });
  return true;
}

/**
 * Spends the token and sets the password in one transaction (both or neither), and in it refuses
 * every earlier token of the account: the token version goes up (access tokens) and every refresh
 * token is revoked, so whoever knew the old password, or held a session, is out.
 */
export async function resetPassword(
  services: Services,
  token: string,
  newPassword: string,
  origin: RequestOrigin,
  code?: string | null,
): Promise<Session> {
  const { accountTokens, users } = services;
  const address = origin.address ?? 'unknown';
  let row: AccountTokenEntity;
  try {
    row = await accountTokens.find(token, ['PASSWORD_RESET']);
  } catch (e) {
    if (e instanceof AccountTokenError) throw badToken(e.reason);
    throw e;
  }
  // Checked before the token is spent: a weak password leaves the link usable.
  await assertNewPassword(services, newPassword, 'newPassword');
  // A mailbox alone must not be enough where a second factor is on: without the code,
  // MFA_REQUIRED (the link stays usable); a wrong one counts toward the login throttle.
  const owner = await users.findById(row.userId);
  if (!owner) throw badToken('TOKEN_INVALID');
  const amr = await requireSecondFactor(services, owner, code, origin);
  const passwordHash = await services.passwords.hash(newPassword);
  let unprovenPasskeys: PasskeyEntity[] = [];
  // A refusal is thrown inside the transaction, so it rolls back: the token is not spent.
  await accountTokens.store.transaction(async (m) => {
    if (!(await accountTokens.store.consume(m, row.id))) throw await tokenRefusal(services, token);
    const now = new Date();
    // The link was mailed to this address, which it therefore proves; if the account has moved to
    // another address since (a race with an e-mail change), the link proves nothing.
    const result = await m
      .getRepository(UserSchema)
      .createQueryBuilder()
      .update()
      .set({ passwordHash, emailVerifiedAt: now, tokenVersion: () => 'token_version + 1' })
      .where('id = :id AND email = :email', { id: row.userId, email: row.email })
      .execute();
    if ((result.affected ?? 0) === 0) throw badToken('TOKEN_REPLACED');
    // In this transaction rather than through RefreshTokens, so a failure cannot leave the new
    // password set and old sessions alive.
    await m.getRepository(RefreshTokenSchema).update({ userId: row.userId, revokedAt: IsNull() }, { revokedAt: now });
    // Every session ends with them (the session list, and each session's access tokens).
    await m.getRepository(SessionSchema).update({ userId: row.userId, revokedAt: IsNull() }, { revokedAt: now });
    // Other reset links, and e-mail changes started by whoever knew the old password (one opened
    // later would move the account to their address).
    await accountTokens.store.revokeOthers(row.userId, ['PASSWORD_RESET', 'EMAIL_CHANGE'], null, m);
    // The first proof of this mailbox: until now nothing showed that whoever signed up with the
    // address owns it. A passkey added before was added by them, who may be an attacker who
    // signed up first with someone else's address and waits for its owner to reset the password
    // (account pre-hijacking); the passkey would outlive the reset. It goes with the old password.
    if (!owner.emailVerifiedAt) {
      const passkeys = m.getRepository(PasskeySchema);
      unprovenPasskeys = await passkeys.find({ where: { userId: row.userId } });
      if (unprovenPasskeys.length > 0) await passkeys.delete({ userId: row.userId });
    }
  });
  const user = await users.findById(row.userId);
  if (!user) throw badToken('TOKEN_INVALID');
  // The owner is back in: failed logins counted against the account from here no longer lock it.
  await services.throttle.trust(user.email, address);
  services.logger.info('password reset', { userId: user.id });
  publishAccountEvent(services.events, user.id, 'PASSWORD_CHANGED');
  services.mailer.sendLater({
    to: user.email,
    userId: user.id,
    template: { kind: 'PASSWORD_CHANGED', name: user.name },
  });
  for (const passkey of unprovenPasskeys) {
    await services.securityLog.record('PASSKEY_REMOVED', {
      userId: user.id,
      origin,
      details: { passkeyId: passkey.id, name: passkey.name, reason: 'ADDED_BEFORE_ADDRESS_PROVEN' },
    });
    services.mailer.sendLater({
      to: user.email,
      userId: user.id,
      template: { kind: 'PASSKEY_REMOVED', name: user.name, passkeyName: passkey.name },
    });
  }
  // The session the reset starts is listed like any sign-in's, with this browser's user agent.
  const session = await issue(services, user, { origin, proof: provenNow(amr) });
  await services.securityLog.record('PASSWORD_RESET', {
    userId: user.id,
    origin,
    sessionId: session.sessionId,
  });
  return session;
}
