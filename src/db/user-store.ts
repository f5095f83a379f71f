import { LRUCache } from 'lru-cache';
import { QueryFailedError, type DataSource, type Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { v7 as uuidv7 } from 'uuid';
import { type CommitWatch, openCommitWatch, sqliteHandle } from './commit-watch.js';
import { SessionSchema } from './entities/session.js';
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

/** The one better-sqlite3 method the fast paths need. */
interface SqliteConnection {
  prepare(sql: string): { get(...params: unknown[]): unknown };
}

/** What the per-request lookup needs of the token's session: whether it still stands, and when it was last used. */
export interface SessionState {
  revokedAt: Date | null;
  lastUsedAt: Date;
}

/** The token's user and, when the token names one, its session (null when no such session row exists). */
export interface TokenSubject {
  user: UserEntity;
  session: SessionState | null;
}

/** Runs one SQL text with `?` placeholders and answers its first row, on either database. */
type RowReader = (...params: unknown[]) => Promise<Record<string, unknown> | undefined>;

/** How many token subjects (user + session) are remembered between commits, at most. */
const REMEMBERED_SUBJECTS = 10_000;

/**
 * The answers of findForToken since the last commit, on SQLite (see findForToken). `watch` is
 * opened on first use: the database is migrated by then, and the CLI tools never open one.
 */
interface RememberedSubjects {
  watch: CommitWatch;
  answers: LRUCache<string, { subject: TokenSubject | null }>;
  /** Bumped at every clear: an answer read before a clear is not remembered after it. */
  generation: number;
}

const subjectKey = (userId: string, sessionId: string | undefined) => `${userId}\u0000${sessionId ?? ''}`;

/** Every query the API makes about users, so resolvers and the context never write SQL. */
export class UserStore {
  private readonly repo: Repository<UserEntity>;
  private readonly byIdFast: RowReader | undefined;
  private readonly withSession: RowReader;
  private sessionColumns: Map<string, ColumnMetadata> | undefined;
  private remembered: RememberedSubjects | undefined | null;

  /**
   * `rememberTokenSubjects`: let findForToken answer from memory while nothing has been committed
   * (the server's store; SQLite in WAL mode only, see findForToken).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly opts: { rememberTokenSubjects?: boolean } = {},
  ) {
    this.repo = dataSource.getRepository(UserSchema);
    const meta = this.repo.metadata;
    const [pk] = meta.primaryColumns;
    if (!pk || meta.primaryColumns.length !== 1) throw new Error('users must have a single-column primary key');
    const byIdSql =
      `SELECT ${meta.columns.map((c) => `"${c.databaseName}"`).join(', ')} ` +
      `FROM "${meta.tableName}" WHERE "${pk.databaseName}" = ? LIMIT 1`;
    this.byIdFast = dataSource.options.type === 'better-sqlite3' ? this.rowReader(byIdSql) : undefined;
    this.withSession = this.rowReader(this.withSessionSql(pk.databaseName));
  }

  /**
   * Runs on every authenticated request (the token's user must still exist, at its token version).
   * On SQLite it is one prepared statement on TypeORM's own better-sqlite3 connection, hydrated
   * through TypeORM's column metadata, so it returns exactly what `findOneBy` returns; the query
   * builder around `findOneBy` cost more than the lookup itself. No cache: every call reads the row.
   */
  findById(id: string): Promise<UserEntity | null> {
    if (this.byIdFast) return this.byIdFast(id).then((row) => (row ? this.hydrate(row) : null));
    return this.repo.findOneBy({ id });
  }

  /**
   * The per-request lookup for a token: the user and, when the token carries `sid`, that session
   * of that user, in ONE query (a prepared statement on SQLite), so checking the session costs no
   * second round trip.
   *
   * On SQLite (with rememberTokenSubjects) the answer is remembered until the next commit to the
   * database, by anyone: before each lookup one 96-byte read of the WAL-index header says whether
   * anything was committed since (src/db/commit-watch.ts), and if so everything remembered is
   * forgotten. So a revocation, a role change or a deletion counts on the very next request, as
   * when every request reads, and between commits a request costs no read transaction. On
   * PostgreSQL every call reads: a revocation on any instance counts at once.
   */
  async findForToken(userId: string, sessionId: string | undefined): Promise<TokenSubject | null> {
    const known = this.knownForToken(userId, sessionId);
    if (known !== undefined) return known;
    return this.readForToken(userId, sessionId);
  }

  /**
   * findForToken's read, for a caller that has just had undefined from knownForToken (so the
   * commit check is not made twice): reads the row and, where answers are remembered, remembers it.
   */
  async readForToken(userId: string, sessionId: string | undefined): Promise<TokenSubject | null> {
    const memory = this.remembered;
    if (!memory) return this.readRow(userId, sessionId);
    const key = subjectKey(userId, sessionId);
    const generation = memory.generation;
    const subject = await this.readRow(userId, sessionId);
    // Another request may have seen a commit (and cleared) while this one awaited its row: then
    // the row may predate that commit, and remembering it would outlive the clear.
    if (memory.generation !== generation) return subject;
    // Inside an open transaction this connection reads that transaction's uncommitted rows: those
    // are not remembered, since a rollback would not change the header. Frozen: every request
    // that hits shares the object, so none may change it.
    if (!sqliteHandle(this.dataSource)?.inTransaction) {
      if (subject) {
        Object.freeze(subject.user);
        if (subject.session) Object.freeze(subject.session);
        Object.freeze(subject);
      }
      memory.answers.set(key, { subject });
    }
    return subject;
  }

  /**
   * findForToken's answer when it is remembered and nothing has been committed since (SQLite, with
   * rememberTokenSubjects), without waiting; undefined when only a read can tell. null is an
   * answer: no such user.
   */
  knownForToken(userId: string, sessionId: string | undefined): TokenSubject | null | undefined {
    const memory = this.rememberedSubjects();
    if (!memory) return undefined;
    // Anything committed since the last look (a revocation, a role change, a deletion, here or by
    // another process on this file) and every remembered answer goes: exactly as fresh as reading.
    if (memory.watch.changed()) {
      memory.answers.clear();
      memory.generation++;
    }
    return memory.answers.get(subjectKey(userId, sessionId))?.subject;
  }

  /**
   * On SQLite in WAL mode, with rememberTokenSubjects, the commit watch and the remembered answers;
   * null everywhere else (PostgreSQL: several instances share it and nothing tells one instance
   * cheaply that another committed, so every request reads).
   */
  private rememberedSubjects(): RememberedSubjects | null {
    if (this.remembered !== undefined) return this.remembered;
    const watch = this.opts.rememberTokenSubjects ? openCommitWatch(this.dataSource) : undefined;
    this.remembered = watch ? { watch, answers: new LRUCache({ max: REMEMBERED_SUBJECTS }), generation: 0 } : null;
    return this.remembered;
  }

  private async readRow(userId: string, sessionId: string | undefined): Promise<TokenSubject | null> {
    if (sessionId === undefined) {
      const user = await this.findById(userId);
      return user ? { user, session: null } : null;
    }
    const row = await this.withSession(sessionId, sessionId, userId);
    if (!row) return null;
    const user = this.hydrate(row);
    // No such session of this user: last_used_at, NOT NULL in the table, reads as null.
    const lastUsedAt = this.sessionDate(row, 'lastUsedAt', 's_last_used_at');
    if (!lastUsedAt) return { user, session: null };
    return { user, session: { lastUsedAt, revokedAt: this.sessionDate(row, 'revokedAt', 's_revoked_at') } };
  }

  /**
   * Scalar subqueries rather than a LEFT JOIN: the same answer in one statement, but SQLite runs
   * the subqueries as plain primary-key lookups (about as fast as the user lookup alone), where its
   * LEFT JOIN with a bound parameter in ON measured several times slower.
   */
  private withSessionSql(pk: string): string {
    const meta = this.repo.metadata;
    const columns = meta.columns.map((c) => `u."${c.databaseName}" AS "${c.databaseName}"`).join(', ');
    const session = (column: string) =>
      `(SELECT s.${column} FROM sessions s WHERE s.id = ? AND s.user_id = u."${pk}") AS s_${column}`;
    return (
      `SELECT ${columns}, ${session('last_used_at')}, ${session('revoked_at')} ` +
      `FROM "${meta.tableName}" u WHERE u."${pk}" = ? LIMIT 1`
    );
  }

  /**
   * On SQLite, one prepared statement on TypeORM's own better-sqlite3 connection (prepared on first
   * use: the tables may not exist before migrations), hydrated through TypeORM's column metadata so
   * it returns exactly what `findOneBy` returns. On PostgreSQL, the same SQL through the pool.
   */
  private rowReader(sql: string): RowReader {
    if (this.dataSource.options.type === 'better-sqlite3') {
      let statement: ReturnType<SqliteConnection['prepare']> | undefined;
      return (...params) => {
        try {
          statement ??= (
            this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }
          ).databaseConnection.prepare(sql);
          return Promise.resolve(statement.get(...params) as Record<string, unknown> | undefined);
        } catch (e) {
          return Promise.reject(e);
        }
      };
    }
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    return async (...params) => ((await this.dataSource.query(numbered, params)) as Record<string, unknown>[])[0];
  }

  private hydrate(row: Record<string, unknown>): UserEntity {
    const meta = this.repo.metadata;
    const entity = meta.create() as UserEntity;
    for (const c of meta.columns) {
      c.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(row[c.databaseName], c));
    }
    return entity;
  }

  /** A session timestamp from a raw row, read as TypeORM reads that column (looked up once). */
  private sessionDate(row: Record<string, unknown>, property: 'lastUsedAt' | 'revokedAt', alias: string): Date | null {
    this.sessionColumns ??= new Map(
      this.dataSource.getMetadata(SessionSchema).columns.map((c) => [c.propertyName, c] as const),
    );
    const column = this.sessionColumns.get(property);
    if (!column) throw new Error(`sessions.${property} is not mapped`);
    return (this.dataSource.driver.prepareHydratedValue(row[alias], column) as Date | null) ?? null;
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
