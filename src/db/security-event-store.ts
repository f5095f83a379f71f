import { type DataSource, LessThan, type Repository } from 'typeorm';
import { type SecurityEventEntity, SecurityEventSchema } from './entities/security-event.js';

/** Every query about the security log. */
export class SecurityEventStore {
  private readonly repo: Repository<SecurityEventEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(SecurityEventSchema);
  }

  async insert(event: SecurityEventEntity): Promise<void> {
    await this.repo.insert(event);
  }

  /**
   * One page of a user's events, newest first: a keyset on the UUIDv7 id (time-ordered), so a
   * page costs the same however deep it is and events written meanwhile shift nothing.
   */
  async page(
    userId: string,
    first: number,
    beforeId: string | null,
  ): Promise<{ events: SecurityEventEntity[]; hasNextPage: boolean }> {
    const rows = await this.repo.find({
      where: { userId, ...(beforeId !== null ? { id: LessThan(beforeId) } : {}) },
      order: { id: 'DESC' },
      take: first + 1,
    });
    return { events: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  /** Every event of the user, newest first (data export). */
  findAll(userId: string): Promise<SecurityEventEntity[]> {
    return this.repo.find({ where: { userId }, order: { id: 'DESC' } });
  }

  /** Retention: events older than `before` are deleted. */
  async deleteBefore(before: Date): Promise<number> {
    const result = await this.repo.delete({ at: LessThan(before) });
    return result.affected ?? 0;
  }
}
