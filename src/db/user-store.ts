import { QueryFailedError, type DataSource, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type Role, type UserEntity, UserSchema } from './entities/user.js';

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** SQLite says SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505: both mean the e-mail is taken. */
export function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const code = (e.driverError as { code?: string } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** The one better-sqlite3 method the primary-key fast path needs. */
interface SqliteConnection {
  prepare(sql: string): { get(...params: unknown[]): unknown };
}

/** Every query the API makes about users, so resolvers and the context never write SQL. */
export class UserStore {
  private readonly repo: Repository<UserEntity>;
  private readonly byIdFast: ((id: string) => UserEntity | null) | undefined;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserSchema);
    this.byIdFast = dataSource.options.type === 'better-sqlite3' ? this.preparedFindById(dataSource) : undefined;
  }

  /**
   * Runs on every authenticated request (the token's user must still exist, at its token version).
   * On SQLite it is one prepared statement on TypeORM's own better-sqlite3 connection, hydrated
   * through TypeORM's column metadata, so it returns exactly what `findOneBy` returns; the query
   * builder around `findOneBy` cost more than the lookup itself. No cache: every call reads the row.
   */
  findById(id: string): Promise<UserEntity | null> {
    if (this.byIdFast) {
      try {
        return Promise.resolve(this.byIdFast(id));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.repo.findOneBy({ id });
  }

  private preparedFindById(dataSource: DataSource): (id: string) => UserEntity | null {
    const meta = this.repo.metadata;
    const driver = dataSource.driver;
    const [pk] = meta.primaryColumns;
    if (!pk || meta.primaryColumns.length !== 1) throw new Error('users must have a single-column primary key');
    const columns = meta.columns;
    const sql =
      `SELECT ${columns.map((c) => `"${c.databaseName}"`).join(', ')} ` +
      `FROM "${meta.tableName}" WHERE "${pk.databaseName}" = ? LIMIT 1`;
    // Prepared on first use: the table may not exist until migrations have run.
    let statement: ReturnType<SqliteConnection['prepare']> | undefined;
    return (id) => {
      statement ??= (driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection.prepare(sql);
      const row = statement.get(id) as Record<string, unknown> | undefined;
      if (!row) return null;
      const entity = meta.create() as UserEntity;
      for (const c of columns) c.setEntityValue(entity, driver.prepareHydratedValue(row[c.databaseName], c));
      return entity;
    };
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
    const qb = this.repo
      .createQueryBuilder('u')
      .orderBy('u.id', 'ASC')
      .limit(first + 1);
    if (afterId !== null) qb.where('u.id > :afterId', { afterId });
    const rows = await qb.getMany();
    return { users: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}
