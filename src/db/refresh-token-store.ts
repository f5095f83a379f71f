import { IsNull, type DataSource, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type RefreshTokenEntity, RefreshTokenSchema } from './entities/refresh-token.js';

/** Every query about refresh tokens. Callers pass hashes, never tokens. */
export class RefreshTokenStore {
  private readonly repo: Repository<RefreshTokenEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(RefreshTokenSchema);
  }

  create(
    input: Pick<RefreshTokenEntity, 'userId' | 'familyId' | 'tokenHash' | 'expiresAt' | 'authTime' | 'amr'>,
  ): Promise<RefreshTokenEntity> {
    return this.repo.save(this.repo.create({ id: uuidv7(), usedAt: null, revokedAt: null, ...input }));
  }

  findByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  /**
   * Marks the token exchanged, if and only if nobody did so first. Two concurrent refreshes
   * with one token: exactly one wins, the other is treated as reuse.
   */
  async markUsed(id: string): Promise<boolean> {
    const result = await this.repo.update({ id, usedAt: IsNull(), revokedAt: IsNull() }, { usedAt: new Date() });
    return (result.affected ?? 0) === 1;
  }

  async revokeFamily(familyId: string): Promise<number> {
    const result = await this.repo.update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected ?? 0;
  }

  async revokeAllForUser(userId: string): Promise<number> {
    const result = await this.repo.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected ?? 0;
  }

  /** Housekeeping: rows past their expiry serve no purpose, not even reuse detection. */
  async deleteExpired(before = new Date()): Promise<number> {
    const result = await this.repo.createQueryBuilder().delete().where('expires_at < :before', { before }).execute();
    return result.affected ?? 0;
  }
}
