import { type DataSource, IsNull, LessThan, MoreThan, Not, type Repository } from 'typeorm';
import { type SessionEntity, SessionSchema } from './entities/session.js';

/** Every query about sessions (src/db/entities/session.ts). */
export class SessionStore {
  private readonly repo: Repository<SessionEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(SessionSchema);
  }

  create(input: Omit<SessionEntity, 'revokedAt'>): Promise<SessionEntity> {
    return this.repo.save(this.repo.create({ ...input, revokedAt: null }));
  }

  findById(id: string): Promise<SessionEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** The user's sessions that still stand: not revoked and not past their last refresh token's expiry. */
  findLive(userId: string, now = new Date()): Promise<SessionEntity[]> {
    return this.repo.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { lastUsedAt: 'DESC', id: 'DESC' },
    });
  }

  /** Every session of the user, ended ones included (data export). */
  findAll(userId: string): Promise<SessionEntity[]> {
    return this.repo.find({ where: { userId }, order: { id: 'ASC' } });
  }

  /**
   * Marks the session used now, but only if the stored time is older than `olderThan`: instances
   * that see the same session at once write it once, and a busy session costs a write a minute.
   */
  async touch(id: string, now: Date, olderThan: Date): Promise<void> {
    await this.repo.update({ id, lastUsedAt: LessThan(olderThan) }, { lastUsedAt: now });
  }

  /** A rotation: the session lives as long as its newest refresh token, and was used now. */
  async extend(id: string, expiresAt: Date, now = new Date()): Promise<void> {
    await this.repo.update({ id, revokedAt: IsNull() }, { expiresAt, lastUsedAt: now });
  }

  /** Ends one session of this user; false when it was not theirs or had ended already. */
  async revoke(userId: string, id: string, now = new Date()): Promise<boolean> {
    const result = await this.repo.update({ id, userId, revokedAt: IsNull() }, { revokedAt: now });
    return (result.affected ?? 0) === 1;
  }

  /** Ends every standing session of the user but `exceptId`; answers the ids it ended. */
  async revokeAllBut(userId: string, exceptId: string | undefined, now = new Date()): Promise<string[]> {
    const live = await this.repo.find({
      select: { id: true },
      where: { userId, revokedAt: IsNull(), ...(exceptId ? { id: Not(exceptId) } : {}) },
    });
    const ended: string[] = [];
    for (const { id } of live) if (await this.revoke(userId, id, now)) ended.push(id);
    return ended;
  }

  /** Retention: sessions that ended (revoked or expired) before `before` are forgotten. */
  async deleteEndedBefore(before: Date): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .where('(revoked_at IS NOT NULL AND revoked_at < :before) OR expires_at < :before', { before })
      .execute();
    return result.affected ?? 0;
  }
}
