import { In, IsNull, LessThan, MoreThan, Not, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type AccountTokenEntity, type AccountTokenPurpose, AccountTokenSchema } from './entities/account-token.js';

/** Every query about mailed-link tokens. Callers pass hashes, never tokens. */
export class AccountTokenStore {
  private readonly repo: Repository<AccountTokenEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(AccountTokenSchema);
  }

  create(input: Pick<AccountTokenEntity, 'userId' | 'purpose' | 'tokenHash' | 'email' | 'expiresAt'>) {
    return this.repo.save(this.repo.create({ id: uuidv7(), usedAt: null, revokedAt: null, ...input }));
  }

  findByHash(tokenHash: string): Promise<AccountTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  /** Removes a token whose mail could not be sent, so that nothing of the request stays behind. */
  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  /** Voids the user's other live tokens of these purposes: a newer link makes older ones void. */
  async revokeOthers(
    userId: string,
    purposes: AccountTokenPurpose[],
    keepId: string | null,
    manager?: EntityManager,
  ): Promise<number> {
    const repo = manager ? manager.getRepository(AccountTokenSchema) : this.repo;
    const result = await repo.update(
      {
        userId,
        purpose: In(purposes),
        usedAt: IsNull(),
        revokedAt: IsNull(),
        ...(keepId ? { id: Not(keepId) } : {}),
      },
      { revokedAt: new Date() },
    );
    return result.affected ?? 0;
  }

  /**
   * Marks the token used if and only if it is still live (unused, not void, not expired): of two
   * requests racing with one token, exactly one gets true. Runs inside the caller's transaction,
   * so the token is spent only if the change it authorises is committed too.
   */
  async consume(manager: EntityManager, id: string, now = new Date()): Promise<boolean> {
    const result = await manager
      .getRepository(AccountTokenSchema)
      .update({ id, usedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    return (result.affected ?? 0) === 1;
  }

  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /**
   * Housekeeping: an expired token can do nothing. Used and void ones are kept until their expiry
   * so that a second click can still be told "already used" rather than "unknown".
   */
  async deleteExpired(before = new Date()): Promise<number> {
    const result = await this.repo.delete({ expiresAt: LessThan(before) });
    return result.affected ?? 0;
  }
}
