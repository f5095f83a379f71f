import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger.js';
import { sqliteHandle } from './commit-watch.js';

/**
 * SQLite commits made durable before their answer goes out, without the event loop waiting on
 * the disk.
 *
 * With `synchronous = FULL` every commit ends in an fsync of the WAL, and better-sqlite3 is
 * synchronous: the event loop waits for the disk. A login commits three times (its session, its
 * refresh token, its security event); on these virtual machines such an fsync took 0.4 ms at the
 * median, 4 ms at p99 and up to 17-30 ms (BENCHMARKS.md, round five), during which no token check
 * is answered. Here the connection runs at `synchronous = NORMAL` (in WAL mode SQLite then syncs
 * only at checkpoints, and a crash or power loss never corrupts the database, it can only lose the
 * latest commits), and the answer to every request that committed waits for an fdatasync of the
 * WAL made on libuv's thread pool. So an answered signup is on disk, as with FULL, while the event
 * loop goes on serving requests; and requests that commit at the same time share one fsync.
 *
 * How a request's commits are known: every statement the connection runs goes through wrappers
 * installed when it opens (`trackCommits`, from the DataSource's prepareDatabase, before any
 * statement is prepared). A statement that leaves no transaction open after it changed the
 * database (an autocommit write, or COMMIT) counts one commit, and the request it ran for (an
 * AsyncLocalStorage scope, entered per request by src/plugins/durable-commits.ts) remembers that
 * count. Its answer then waits until an fdatasync that started after that count was reached has
 * finished. Requests that only read wait for nothing.
 *
 * Commits outside any request (housekeeping, background security-log lines) are made durable by
 * the next request's sync or by SQLite's next checkpoint. Where this cannot be set up (PostgreSQL,
 * an in-memory database, no WAL file) the connection stays at FULL.
 */
export interface DurableCommits {
  /** Runs `fn` as one request: the commits it makes are what `settle()` inside it waits for. */
  run<T>(fn: () => T): T;
  /**
   * Inside `run`: undefined when the request made no commit that is not yet on disk, else a
   * promise that resolves once they all are (rejects when the fdatasync fails).
   */
  settle(): Promise<void> | undefined;
  /** How many fdatasyncs have completed (for tests). */
  readonly syncs: number;
  close(): void;
}

interface Connection {
  prepare(source: string): Statement;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  close(): unknown;
}

interface Statement {
  readonly readonly: boolean;
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown;
}

/** Per connection: how many commits it has made. */
interface CommitCount {
  commits: number;
}

/** Per request: the connection's commit count after the request's latest commit (0: none). */
interface Scope {
  commit: number;
}

const counts = new WeakMap<object, CommitCount>();
const scopes = new AsyncLocalStorage<Scope>();

/**
 * Counts the commits of a better-sqlite3 connection, and notes each in the current request's
 * scope. Called once per connection, as it opens and before anything is prepared on it.
 */
export function trackCommits(conn: Connection): void {
  if (counts.has(conn)) return;
  const count: CommitCount = { commits: 0 };
  counts.set(conn, count);
  const committed = () => {
    count.commits++;
    const scope = scopes.getStore();
    if (scope) scope.commit = count.commits;
  };
  // A statement committed when no transaction is open after it and either it wrote (autocommit)
  // or a transaction was open before it (COMMIT, END, RELEASE; SQLite calls those read-only, as
  // they write nothing themselves). A ROLLBACK counts too: one fsync too many, never one too few.
  const ran = <T>(readonly: boolean, call: () => T): T => {
    const before = conn.inTransaction;
    const result = call();
    if ((!readonly || before) && !conn.inTransaction) committed();
    return result;
  };
  const prepare = conn.prepare;
  conn.prepare = function (this: Connection, source: string) {
    const stmt = prepare.call(this, source);
    const { readonly } = stmt;
    const run = stmt.run;
    stmt.run = function (this: Statement, ...params: unknown[]) {
      return ran(readonly, () => run.apply(this, params));
    };
    // Reads go through all()/get() untouched; a write can too (INSERT ... RETURNING).
    if (!readonly) {
      const get = stmt.get;
      const all = stmt.all;
      stmt.get = function (this: Statement, ...params: unknown[]) {
        return ran(false, () => get.apply(this, params));
      };
      stmt.all = function (this: Statement, ...params: unknown[]) {
        return ran(false, () => all.apply(this, params));
      };
    }
    return stmt;
  };
  const exec = conn.exec;
  conn.exec = function (this: Connection, source: string) {
    return ran(false, () => exec.call(this, source));
  };
}

/**
 * Switches a tracked SQLite connection in WAL mode to `synchronous = NORMAL` and answers the
 * durability barrier over it; undefined (the connection keeps FULL) where there is none to make.
 */
export function openDurableCommits(dataSource: DataSource, logger?: Logger): DurableCommits | undefined {
  const db = sqliteHandle(dataSource) as Connection | undefined;
  const file = dataSource.options.database;
  if (!db || typeof file !== 'string' || file === ':memory:' || file === '') return undefined;
  const count = counts.get(db);
  if (!count) return undefined;
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  let fd: number;
  try {
    // Never closed while the connection is open. SQLite takes no POSIX locks on the -wal file (its
    // locks are on the database and the -shm file), so this descriptor cannot drop any of them.
    fd = fs.openSync(`${file}-wal`, 'r');
  } catch {
    return undefined;
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    fs.closeSync(fd);
  };
  const closeConnection = db.close;
  db.close = function (this: Connection) {
    const result = closeConnection.call(this);
    close();
    return result;
  };
  db.pragma('synchronous = NORMAL');

  /** The commit count the last successful fdatasync covers. */
  let synced = count.commits;
  /** The fdatasync in flight, and the count it covers. */
  let running: { covers: number; done: Promise<void> } | undefined;
  /** The one that starts when `running` ends, shared by every request that arrives meanwhile. */
  let queued: Promise<void> | undefined;
  let syncs = 0;

  const start = (): Promise<void> => {
    queued = undefined;
    const covers = count.commits;
    const done = new Promise<void>((resolve, reject) => {
      if (closed) {
        // Closing the connection checkpoints the WAL into the database and syncs it.
        resolve();
        return;
      }
      fs.fdatasync(fd, (err) => {
        if (err) {
          logger?.error('database sync failed', { err });
          reject(err);
        } else {
          if (covers > synced) synced = covers;
          syncs++;
          resolve();
        }
      });
    });
    const entry = { covers, done };
    running = entry;
    const clear = () => {
      if (running === entry) running = undefined;
    };
    done.then(clear, clear);
    return done;
  };

  const untilDurable = (commit: number): Promise<void> | undefined => {
    if (commit <= synced) return undefined;
    if (running && running.covers >= commit) return running.done;
    if (!running) return start();
    queued ??= running.done.then(start, start);
    return queued;
  };

  return {
    run: (fn) => scopes.run({ commit: 0 }, fn),
    settle() {
      const scope = scopes.getStore();
      return scope && scope.commit > 0 ? untilDurable(scope.commit) : undefined;
    },
    get syncs() {
      return syncs;
    },
    close,
  };
}
