import { GraphQLError } from 'graphql';
import type { PasskeyEntity } from '../db/entities/passkey.js';
import type { UserEntity } from '../db/entities/user.js';
import { CredentialTakenError } from '../db/passkey-store.js';
import { badUserInput, ErrorCode, notFound } from '../errors.js';
import {
  CeremonyFailedError,
  MalformedResponseError,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  transportsOf,
} from '../passkeys/relying-party.js';
import { assertSignInAllowed, noteFailedLogin } from '../security/login-events.js';
import type { RequestOrigin } from '../security/security-log.js';
import type { Services } from '../services.js';
import { issue, provenNow, type Session } from './accounts.js';
import { countedSignIn } from './sign-in-outcome.js';
import { normalizeEmail, validDisplayText } from './validation.js';

/**
 * The account flows around passkeys (src/passkeys/relying-party.ts does the WebAuthn checks):
 * registration and removal for a signed-in caller, and sign-in, which counts failures toward the
 * same login throttle as wrong passwords and ends in the one sign-in path, `issue`.
 */

const NAME_MAX = 100;
/** Not a user id (UUIDv7 has a version nibble of 7): lists nobody's passkeys, at the cost of a real query. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/** A response that verifies nothing: the same answer whatever was wrong, the reason only in the log. */
function passkeyRejected(): GraphQLError {
  return new GraphQLError('The passkey could not be verified: start again (startPasskeyLogin)', {
    extensions: { code: ErrorCode.UNAUTHENTICATED, reason: 'PASSKEY_REJECTED' },
  });
}

function malformed(e: MalformedResponseError): GraphQLError {
  return badUserInput(`Not a WebAuthn response: ${e.message}`, 'response');
}

/**
 * A passkey's name is shown in the passkey list, the security log and the mail that tells the
 * owner a passkey was added: the rules of a display name (no control characters, so no line of
 * its own in that mail; no bidirectional overrides or hidden tags). Blank clears it.
 */
function validPasskeyName(name: string | null | undefined): string | null {
  return validDisplayText(name ?? '', 'name', 'A passkey name', NAME_MAX) || null;
}

export function listPasskeys(services: Services, userId: string): Promise<PasskeyEntity[]> {
  return services.passkeyStore.listByUser(userId);
}

/** Creation options for a new passkey of the caller (step-up protected in the schema). */
export async function startPasskeyRegistration(services: Services, user: UserEntity) {
  const handle = await services.passkeyStore.ensureHandle(user.id, services.passkeys.newUserHandle());
  const existing = await services.passkeyStore.listByUser(user.id);
  return services.passkeys.registrationOptions({
    userId: user.id,
    handle,
    userName: user.email,
    displayName: user.name,
    exclude: existing,
  });
}

export async function finishPasskeyRegistration(
  services: Services,
  user: UserEntity,
  raw: unknown,
  rawName: string | null | undefined,
  origin: RequestOrigin,
): Promise<PasskeyEntity> {
  let response: ReturnType<typeof parseRegistrationResponse>;
  try {
    response = parseRegistrationResponse(raw);
  } catch (e) {
    if (e instanceof MalformedResponseError) throw malformed(e);
    throw e;
  }
  const name = validPasskeyName(rawName);
  let credential: Awaited<ReturnType<Services['passkeys']['verifyRegistration']>>;
  try {
    credential = await services.passkeys.verifyRegistration(user.id, response);
  } catch (e) {
    if (e instanceof CeremonyFailedError) {
      services.logger.info('passkey registration refused', { userId: user.id, reason: e.reason });
      throw new GraphQLError('The new passkey could not be verified: start again (startPasskeyRegistration)', {
        extensions: { code: ErrorCode.UNAUTHENTICATED, reason: 'PASSKEY_REJECTED' },
      });
    }
    throw e;
  }
  let passkey: PasskeyEntity;
  try {
    const { userVerified: _uv, ...stored } = credential;
    passkey = await services.passkeyStore.insert({ ...stored, userId: user.id, name });
  } catch (e) {
    if (e instanceof CredentialTakenError)
      throw badUserInput('This passkey is registered already', 'response', 'PASSKEY_ALREADY_REGISTERED');
    throw e;
  }
  services.logger.info('passkey added', { userId: user.id, passkeyId: passkey.id });
  await services.securityLog.record('PASSKEY_ADDED', {
    userId: user.id,
    origin,
    details: { passkeyId: passkey.id, name: passkey.name, synced: passkey.backupEligible },
  });
  services.mailer.sendLater({
    to: user.email,
    userId: user.id,
    template: { kind: 'PASSKEY_ADDED', name: user.name, passkeyName: passkey.name },
  });
  return passkey;
}

/**
 * Request options for a sign-in. With an e-mail address: that account's credentials; an address
 * with none (unknown, or an account without passkeys) gets stand-in ids derived from the address,
 * after the same queries, so the answer tells nobody whether the account exists. Without one: no
 * list, and the browser offers the discoverable passkeys it holds for this RP id.
 */
export async function startPasskeyLogin(services: Services, rawEmail: string | null | undefined) {
  if (rawEmail === null || rawEmail === undefined) return services.passkeys.authenticationOptions([]);
  if (rawEmail.length > 320) throw badUserInput('Not an e-mail address', 'email');
  const email = normalizeEmail(rawEmail);
  const user = email ? await services.users.findByEmail(email) : null;
  const passkeys = await services.passkeyStore.listByUser(user?.id ?? NOBODY);
  const allow =
    passkeys.length > 0
      ? passkeys.map((p) => ({ id: p.credentialId, transports: transportsOf(p) }))
      : services.passkeys.fakeCredentials(email);
  return services.passkeys.authenticationOptions(allow);
}

/** A sign-in with a passkey: counted by outcome (auth_logins_total) like a password login. */
export function finishPasskeyLogin(services: Services, raw: unknown, origin: RequestOrigin): Promise<Session> {
  return countedSignIn(services, () => passkeyLogin(services, raw, origin));
}

/**
 * The throttle's account key when no account is known (a credential nobody registered, or a
 * malformed response): per address, so such attempts count against the address that makes them
 * and never lock anybody else out.
 */
const anonymous = (address: string) => `passkey-anonymous:${address}`;

async function passkeyLogin(services: Services, raw: unknown, origin: RequestOrigin): Promise<Session> {
  const address = origin.address ?? 'unknown';
  let response: ReturnType<typeof parseAuthenticationResponse>;
  try {
    response = parseAuthenticationResponse(raw);
    if (response.id !== response.rawId) throw new MalformedResponseError('id and rawId differ');
  } catch (e) {
    if (e instanceof MalformedResponseError) {
      // Nothing to check it against, yet it is an attempt: the address's counter takes it.
      await services.throttle.attempt(anonymous(address), address);
      throw malformed(e);
    }
    throw e;
  }
  const passkey = await services.passkeyStore.findByCredentialId(response.id);
  const owner = passkey ? await services.users.findById(passkey.userId) : null;
  const account = owner?.email ?? anonymous(address);
  await assertSignInAllowed(services, account, origin, owner?.email ?? null);
  let signedIn: { user: UserEntity; passkey: PasskeyEntity; amr: string[] };
  try {
    // The challenge goes first, whatever else is wrong: a response is good for one try.
    await services.passkeys.consumeAuthenticationChallenge(response);
    if (!passkey || !owner) throw new CeremonyFailedError('unknown credential');
    if (response.response.userHandle !== undefined) {
      const handle = await services.passkeyStore.findHandle(owner.id);
      if (handle?.handle !== response.response.userHandle)
        throw new CeremonyFailedError('userHandle does not name the credential owner');
    }
    const verified = await services.passkeys.verifyAuthentication(response, passkey);
    if (!(await services.passkeyStore.recordUse(passkey.id, passkey.counter, verified.newCounter, verified.backedUp)))
      throw new CeremonyFailedError(`counter ${verified.newCounter} did not move on (used concurrently)`);
    signedIn = { user: owner, passkey, amr: verified.userVerified ? ['hwk', 'user'] : ['hwk'] };
  } catch (e) {
    if (!(e instanceof CeremonyFailedError)) throw e;
    const level = /counter/i.test(e.reason) ? 'warn' : 'info';
    services.logger[level]('passkey sign-in refused', {
      userId: owner?.id ?? null,
      passkeyId: passkey?.id ?? null,
      address,
      reason: e.reason,
    });
    noteFailedLogin(services, owner, origin);
    throw passkeyRejected();
  }
  const { user } = signedIn;
  await services.throttle.signedIn(user.email, address);
  // A passkey is possession plus (with "user") the device's PIN or biometrics: no TOTP step after it.
  const session = await issue(services, user, { origin, proof: provenNow(signedIn.amr) });
  await services.securityLog.record('LOGIN_SUCCEEDED', {
    userId: user.id,
    origin,
    sessionId: session.sessionId,
    details: { method: 'passkey', passkeyId: signedIn.passkey.id },
  });
  return session;
}

/** Renames one of the caller's passkeys; NOT_FOUND for an id that is not the caller's. */
export async function renamePasskey(
  services: Services,
  userId: string,
  id: string,
  rawName: string | null | undefined,
): Promise<PasskeyEntity> {
  const name = validPasskeyName(rawName);
  const renamed = await services.passkeyStore.rename(userId, id, name);
  if (!renamed) throw notFound('No such passkey');
  return renamed;
}

/**
 * Removes one of the caller's passkeys (step-up protected in the schema). NOT_FOUND for an id that
 * is not the caller's. An account keeps at least one way to sign in: the last passkey of an account
 * without a password stays (today every account has a password, so that refusal cannot happen yet).
 */
export async function removePasskey(
  services: Services,
  user: UserEntity,
  id: string,
  origin: RequestOrigin,
): Promise<boolean> {
  const mine = await services.passkeyStore.listByUser(user.id);
  const target = mine.find((p) => p.id === id);
  if (!target) throw notFound('No such passkey');
  if (!user.passwordHash && mine.length <= 1)
    throw badUserInput(
      'This is the last way to sign in to the account: add another passkey (or a password) first',
      'id',
      'LAST_SIGN_IN_METHOD',
    );
  const removed = await services.passkeyStore.delete(user.id, id);
  if (!removed) throw notFound('No such passkey');
  services.logger.info('passkey removed', { userId: user.id, passkeyId: id });
  await services.securityLog.record('PASSKEY_REMOVED', {
    userId: user.id,
    origin,
    details: { passkeyId: id, name: removed.name },
  });
  services.mailer.sendLater({
    to: user.email,
    userId: user.id,
    template: { kind: 'PASSKEY_REMOVED', name: user.name, passkeyName: removed.name },
  });
  return true;
}
