import { IsNull, LessThan, MoreThan, Not, type DataSource, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  type MfaChallengeEntity,
  MfaChallengeSchema,
  type RecoveryCodeEntity,
  RecoveryCodeSchema,
  type TotpFactorEntity,
  TotpFactorSchema,
} from './entities/mfa.js';

/**
 * Every query about second factors. Callers pass sealed secrets and hashes, never a secret, a
 * code or a challenge in clear. The "use once" steps are conditional UPDATEs: two requests racing
 * with one code or one challenge, on one instance or several, and exactly one wins.
 */
export class MfaStore {
  private readonly factors: Repository<TotpFactorEntity>;
  private readonly codes: Repository<RecoveryCodeEntity>;
  private readonly challenges: Repository<MfaChallengeEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.factors = dataSource.getRepository(TotpFactorSchema);
    this.codes = dataSource.getRepository(RecoveryCodeSchema);
    this.challenges = dataSource.getRepository(MfaChallengeSchema);
  }

  findFactor(userId: string): Promise<TotpFactorEntity | null> {
    return this.factors.findOneBy({ userId });
  }

  async isEnabled(userId: string): Promise<boolean> {
    return (await this.factors.countBy({ userId, enabledAt: Not(IsNull()) })) > 0;
  }

  /** A new pending setup, replacing an earlier unfinished one; refused (false) while one is on. */
  async savePending(userId: string, sealedSecret: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(TotpFactorSchema);
      const existing = await repo.findOneBy({ userId });
      if (existing?.enabledAt) return false;
      if (existing) await repo.delete({ userId });
      await repo.insert({ userId, secret: sealedSecret, enabledAt: null, lastUsedStep: null });
      return true;
    });
  }

  /**
   * Records `step` as used, if no later or equal step was: false means that code (or a later one)
   * was already accepted, i.e. a replay.
   */
  async useStep(userId: string, step: number): Promise<boolean> {
    const result = await this.factors
      .createQueryBuilder()
      .update()
      .set({ lastUsedStep: step })
      .where('user_id = :userId', { userId })
      .andWhere('(last_used_step IS NULL OR last_used_step < :step)', { step })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Turns a pending setup on and stores its recovery codes (hashes), replacing any earlier ones. */
  async enable(userId: string, codeHashes: string[]): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const result = await m
        .getRepository(TotpFactorSchema)
        .update({ userId, enabledAt: IsNull() }, { enabledAt: new Date() });
      if ((result.affected ?? 0) !== 1) return false;
      const codes = m.getRepository(RecoveryCodeSchema);
      await codes.delete({ userId });
      await codes.insert(codeHashes.map((codeHash) => ({ id: uuidv7(), userId, codeHash, usedAt: null })));
      return true;
    });
  }

  /** Removes the authenticator and its recovery codes; false when there was none. */
  async remove(userId: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await m.getRepository(RecoveryCodeSchema).delete({ userId });
      const result = await m.getRepository(TotpFactorSchema).delete({ userId });
      return (result.affected ?? 0) > 0;
    });
  }

  /** Spends an unused recovery code; false when there is no such unused code. */
  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const result = await this.codes.update({ userId, codeHash, usedAt: IsNull() }, { usedAt: new Date() });
    return (result.affected ?? 0) === 1;
  }

  unusedRecoveryCodes(userId: string): Promise<number> {
    return this.codes.countBy({ userId, usedAt: IsNull() });
  }

  async createChallenge(input: Pick<MfaChallengeEntity, 'userId' | 'tokenHash' | 'tokenVersion' | 'expiresAt'>) {
    await this.challenges.insert({ id: uuidv7(), failedAttempts: 0, consumedAt: null, ...input });
  }

  findChallenge(tokenHash: string): Promise<MfaChallengeEntity | null> {
    return this.challenges.findOneBy({ tokenHash });
  }

  /** One more wrong code on this challenge. */
  async recordChallengeFailure(id: string): Promise<void> {
    await this.challenges
      .createQueryBuilder()
      .update()
      .set({ failedAttempts: () => 'failed_attempts + 1' })
      .where('id = :id', { id })
      .execute();
  }

  /** Uses the challenge up, if it is still open: unconsumed, unexpired, not locked. */
  async consumeChallenge(id: string, maxAttempts: number): Promise<boolean> {
    const result = await this.challenges.update(
      { id, consumedAt: IsNull(), failedAttempts: LessThan(maxAttempts), expiresAt: MoreThan(new Date()) },
      { consumedAt: new Date() },
    );
    return (result.affected ?? 0) === 1;
  }

  /**
   * Housekeeping, run as each new challenge is made: this user's expired or used challenges serve
   * no purpose (by user_id, an indexed lookup, so it never scans the table).
   */
  async deleteClosedChallenges(userId: string): Promise<void> {
    await this.challenges
      .createQueryBuilder()
      .delete()
      .where('user_id = :userId', { userId })
      .andWhere('(expires_at < :now OR consumed_at IS NOT NULL)', { now: new Date() })
      .execute();
  }
}
