import { IsNull, LessThan, MoreThan, type DataSource, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  type PasskeyEntity,
  PasskeySchema,
  type WebauthnChallengeEntity,
  WebauthnChallengeSchema,
  type WebauthnUserEntity,
  WebauthnUserSchema,
} from './entities/passkey.js';

/** A credential id that is registered already (to this account or another). */
export class CredentialTakenError extends Error {
  override name = 'CredentialTakenError';
}

/**
 * Every query about passkeys. The "use once" steps (a challenge, a counter) are conditional
 * UPDATEs, so two requests racing with one challenge, on one instance or several, have one winner.
 */
export class PasskeyStore {
  private readonly passkeys: Repository<PasskeyEntity>;
  private readonly handles: Repository<WebauthnUserEntity>;
  private readonly challenges: Repository<WebauthnChallengeEntity>;

  constructor(dataSource: DataSource) {
    this.passkeys = dataSource.getRepository(PasskeySchema);
    this.handles = dataSource.getRepository(WebauthnUserSchema);
    this.challenges = dataSource.getRepository(WebauthnChallengeSchema);
  }

  /** The account's passkeys, oldest first. */
  listByUser(userId: string): Promise<PasskeyEntity[]> {
    return this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  countByUser(userId: string): Promise<number> {
    return this.passkeys.countBy({ userId });
  }

  findByCredentialId(credentialId: string): Promise<PasskeyEntity | null> {
    return this.passkeys.findOneBy({ credentialId });
  }

  async existsCredential(credentialId: string): Promise<boolean> {
    return (await this.passkeys.countBy({ credentialId })) > 0;
  }

  /** Stores a new passkey; CredentialTakenError when its credential id is registered already. */
  async insert(row: Omit<PasskeyEntity, 'id' | 'createdAt' | 'lastUsedAt'>): Promise<PasskeyEntity> {
    const id = uuidv7();
    try {
      await this.passkeys.insert({ id, lastUsedAt: null, ...row });
    } catch (e) {
      // The unique index decides races between two registrations of one credential.
      if (await this.existsCredential(row.credentialId)) throw new CredentialTakenError(row.credentialId);
      throw e;
    }
    return (await this.passkeys.findOneBy({ id }))!;
  }

  /**
   * Records a verified sign-in: the new counter and the backup state, only if the counter moved on
   * (or both are 0, an authenticator without one). False when another sign-in with this counter
   * (a cloned authenticator, or a race) got there first.
   */
  async recordUse(id: string, oldCounter: number, newCounter: number, backedUp: boolean): Promise<boolean> {
    const qb = this.passkeys
      .createQueryBuilder()
      .update()
      .set({ counter: newCounter, backedUp, lastUsedAt: new Date() })
      .where('id = :id', { id });
    if (newCounter === 0 && oldCounter === 0) qb.andWhere('counter = 0');
    else qb.andWhere('counter < :newCounter', { newCounter });
    const result = await qb.execute();
    return (result.affected ?? 0) === 1;
  }

  /** Renames one of the user's passkeys; null when the user has no passkey with this id. */
  async rename(userId: string, id: string, name: string | null): Promise<PasskeyEntity | null> {
    const result = await this.passkeys.update({ id, userId }, { name });
    return (result.affected ?? 0) === 1 ? this.passkeys.findOneBy({ id, userId }) : null;
  }

  /** Deletes one of the user's passkeys; null when the user has no passkey with this id. */
  async delete(userId: string, id: string): Promise<PasskeyEntity | null> {
    const row = await this.passkeys.findOneBy({ id, userId });
    if (!row) return null;
    const result = await this.passkeys.delete({ id, userId });
    return (result.affected ?? 0) === 1 ? row : null;
  }

  findHandle(userId: string): Promise<WebauthnUserEntity | null> {
    return this.handles.findOneBy({ userId });
  }

  findUserByHandle(handle: string): Promise<WebauthnUserEntity | null> {
    return this.handles.findOneBy({ handle });
  }

  /** The account's user handle, created with `fresh` the first time; two racing requests agree. */
  async ensureHandle(userId: string, fresh: string): Promise<string> {
    const existing = await this.findHandle(userId);
    if (existing) return existing.handle;
    try {
      await this.handles.insert({ userId, handle: fresh });
      return fresh;
    } catch (e) {
      const winner = await this.findHandle(userId);
      if (winner) return winner.handle;
      throw e;
    }
  }

  async createChallenge(input: Pick<WebauthnChallengeEntity, 'challengeHash' | 'purpose' | 'userId' | 'expiresAt'>) {
    await this.challenges.insert({ id: uuidv7(), consumedAt: null, ...input });
  }

  /**
   * Uses a challenge up, if it is open (unconsumed, unexpired) and was made for `purpose` (and
   * `userId`, for registrations): one conditional UPDATE, so exactly one caller wins it.
   */
  async consumeChallenge(
    challengeHash: string,
    purpose: WebauthnChallengeEntity['purpose'],
    userId: string | null,
  ): Promise<boolean> {
    const result = await this.challenges.update(
      {
        challengeHash,
        purpose,
        userId: userId ?? IsNull(),
        consumedAt: IsNull(),
        expiresAt: MoreThan(new Date()),
      },
      { consumedAt: new Date() },
    );
    return (result.affected ?? 0) === 1;
  }

  /** Housekeeping: ceremonies that expired (used ones are kept until then, so a replay stays refused). */
  async deleteExpiredChallenges(): Promise<number> {
    const result = await this.challenges.delete({ expiresAt: LessThan(new Date()) });
    return result.affected ?? 0;
  }
}
