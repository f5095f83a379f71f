import { QueryFailedError, type DataSource, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type Role, type UserEntity, UserSchema } from './entities/user.js';

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** SQLite says SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505: both mean the e-mail is taken. */
function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const code = (e.driverError as { code?: string } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** Every query the API makes about users, so resolvers and the context never write SQL. */
export class UserStore {
  private readonly repo: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserSchema);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** `email` must already be normalised (see normalizeEmail). */
  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ email });
  }

  async create(input: { name: string; email: string; passwordHash: string; role?: Role }): Promise<UserEntity> {
    const user = this.repo.create({
      id: uuidv7(),
      name: input.name,
      email: input.email,
      passwordHash: input.passwordHash,
      role: input.role ?? 'USER',
      tokenVersion: 0,
    });
    try {
      return await this.repo.save(user);
    } catch (e) {
      // Two signups for one address can both pass the pre-check; the unique index decides.
      if (isUniqueViolation(e)) throw new EmailTakenError(input.email);
      throw e;
    }
  }

  /** Applies `changes` and returns the stored row; `null` when the user is gone. */
  async update(
    id: string,
    changes: Partial<Pick<UserEntity, 'name' | 'email' | 'passwordHash' | 'role'>> & { bumpTokenVersion?: boolean },
  ): Promise<UserEntity | null> {
    const { bumpTokenVersion, ...fields } = changes;
    const qb = this.repo
      .createQueryBuilder()
      .update()
      .set({
        ...fields,
        ...(bumpTokenVersion ? { tokenVersion: () => 'token_version + 1' } : {}),
      })
      .where('id = :id', { id });
    try {
      const result = await qb.execute();
      if (result.affected === 0) return null;
    } catch (e) {
      if (isUniqueViolation(e)) throw new EmailTakenError(changes.email ?? '');
      throw e;
    }
    return this.findById(id);
  }

  /** Deletes and returns the user as it was; `null` when it was already gone. */
  async delete(id: string): Promise<UserEntity | null> {
    const user = await this.findById(id);
    if (!user) return null;
    const result = await this.repo.delete({ id });
    return result.affected === 0 ? null : user;
  }

  /** One page in id order (UUIDv7, so oldest first), plus whether more follow. */
  async page(first: number, afterId: string | null): Promise<{ users: UserEntity[]; hasNextPage: boolean }> {
    const qb = this.repo.createQueryBuilder('u').orderBy('u.id', 'ASC').limit(first + 1);
    if (afterId !== null) qb.where('u.id > :afterId', { afterId });
    const rows = await qb.getMany();
    return { users: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}
