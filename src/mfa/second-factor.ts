import { createHash, randomBytes } from 'node:crypto';
import type { MfaConfig } from '../config.js';
import type { MfaChallengeEntity } from '../db/entities/mfa.js';
import type { MfaStore } from '../db/mfa-store.js';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import type { SecretBox } from './secret-box.js';
import { looksLikeTotpCode, matchTotpStep, newTotpSecret, otpauthUri, qrCodeSvg } from './totp.js';

/** What `setupTotp` hands the client: the secret three ways (typed, imported, scanned). */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

/** Which factor a code proved. */
export type CodeKind = 'totp' | 'recovery';

/**
 * The second factor itself: enrolment, checking a code (each accepted once), and login
 * challenges. Knows nothing of passwords, throttling or tokens: the account flows
 * (src/users/second-factor.ts) put those around it.
 */
export interface SecondFactor {
  isEnabled(userId: string): Promise<boolean>;
  /** Starts (or restarts) a setup; null when TOTP is already on. */
  begin(userId: string, account: string): Promise<TotpEnrolment | null>;
  /** Turns a pending setup on with its first code; the recovery codes, or null for a wrong code. */
  confirm(userId: string, code: string): Promise<string[] | null | 'no_setup'>;
  /** A current TOTP code (not used before) or an unused recovery code, spent; null otherwise. */
  verify(userId: string, code: string): Promise<CodeKind | null>;
  remove(userId: string): Promise<boolean>;
  unusedRecoveryCodes(userId: string): Promise<number>;
  /** A new opaque login challenge for a user whose password was just proven. */
  createChallenge(user: { id: string; tokenVersion: number }): Promise<string>;
  /** The challenge if it is open (known, unexpired, unconsumed, not locked), else null. */
  findOpenChallenge(challenge: string): Promise<MfaChallengeEntity | null>;
  /** A wrong code on an open challenge; true when that locked it. */
  failChallenge(challenge: MfaChallengeEntity): Promise<boolean>;
  /** Uses the challenge up; false when someone else did first (or it just closed). */
  consumeChallenge(challenge: MfaChallengeEntity): Promise<boolean>;
}

const CHALLENGE_BYTES = 32;
const CHALLENGE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

function hashChallenge(challenge: string): string {
  return createHash('sha256').update(challenge).digest('hex');
}

export function createSecondFactor(store: MfaStore, box: SecretBox, config: MfaConfig): SecondFactor {
  async function secretOf(userId: string, enabled: boolean): Promise<string | null> {
    const factor = await store.findFactor(userId);
    if (!factor || (factor.enabledAt !== null) !== enabled) return null;
    return box.open(factor.secret, userId);
  }

  /** The TOTP check with its replay guard: the matching step is recorded, and only a later one passes next. */
  async function verifyTotp(userId: string, secret: string, code: string): Promise<boolean> {
    const step = matchTotpStep(secret, code);
    return step !== null && (await store.useStep(userId, step));
  }

  return {
    isEnabled: (userId) => store.isEnabled(userId),

    async begin(userId, account) {
      const secret = newTotpSecret();
      if (!(await store.savePending(userId, box.seal(secret, userId)))) return null;
      const uri = otpauthUri(secret, config.issuer, account);
      return { secret, otpauthUri: uri, qrCodeSvg: await qrCodeSvg(uri) };
    },

    async confirm(userId, code) {
      const secret = await secretOf(userId, false);
      if (!secret) return 'no_setup';
      if (!(await verifyTotp(userId, secret, code))) return null;
      const codes = newRecoveryCodes();
      const hashes = codes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c)!));
      return (await store.enable(userId, hashes)) ? codes : 'no_setup';
    },

    async verify(userId, code) {
      if (looksLikeTotpCode(code)) {
        const secret = await secretOf(userId, true);
        return secret && (await verifyTotp(userId, secret, code)) ? 'totp' : null;
      }
      const normalized = normalizeRecoveryCode(code);
      if (!normalized || !(await store.isEnabled(userId))) return null;
      return (await store.useRecoveryCode(userId, hashRecoveryCode(normalized))) ? 'recovery' : null;
    },

    remove: (userId) => store.remove(userId),
    unusedRecoveryCodes: (userId) => store.unusedRecoveryCodes(userId),

    async createChallenge(user) {
      const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
      await store.deleteClosedChallenges(user.id);
      await store.createChallenge({
        userId: user.id,
        tokenHash: hashChallenge(challenge),
        tokenVersion: user.tokenVersion,
        expiresAt: new Date(Date.now() + config.challengeTtl * 1000),
      });
      return challenge;
    },

    async findOpenChallenge(challenge) {
      if (!CHALLENGE_FORMAT.test(challenge)) return null;
      const row = await store.findChallenge(hashChallenge(challenge));
      if (!row || row.consumedAt || row.failedAttempts >= config.challengeMaxAttempts) return null;
      return row.expiresAt.getTime() > Date.now() ? row : null;
    },

    async failChallenge(challenge) {
      await store.recordChallengeFailure(challenge.id);
      return challenge.failedAttempts + 1 >= config.challengeMaxAttempts;
    },

    consumeChallenge: (challenge) => store.consumeChallenge(challenge.id, config.challengeMaxAttempts),
  };
}
