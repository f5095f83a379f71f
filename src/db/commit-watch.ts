import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { DataSource } from 'typeorm';
import type { WalIndexHeader } from 'wal-index-header';

/**
 * Whether anything has been committed to a SQLite database (by this process or any other) since
 * the last look. The answer comes from the WAL-index header, the first 96 bytes of the `-shm`
 * file: every commit by any connection rewrites it (its change counter, last frame, checksums),
 * and it is what SQLite itself reads to decide that its page cache is stale
 * (https://sqlite.org/walformat.html). A read or a no-op write leaves it alone.
 *
 * The header is read the way SQLite reads it, from a shared mapping of the file
 * (packages/wal-index-header, a few lines of C: Node has no mmap): a 96-byte copy, no system call.
 * Where that addon was not built (no C compiler at install time) it is read with pread(2): exact
 * too, but one system call per check, which on these virtual machines cost about 7 us of CPU per
 * request in the server (the call itself, and the caches it leaves cold), where the copy costs
 * nothing a profile can see. Either is far cheaper than what it spares: a read transaction (two
 * fcntl locks and an fstat) and the row lookups.
 */
export interface CommitWatch {
  /** True when a commit happened since the previous call (and on any doubt). */
  changed(): boolean;
  /** How the header is read: 'memory' (the shared mapping) or 'pread'. */
  readonly reads: 'memory' | 'pread';
  close(): void;
}

/** The two copies of the WAL-index header (48 bytes each) at the start of the -shm file. */
const HEADER_BYTES = 96;

interface SqliteHandle {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

/** The addon, or null where it was not built; loaded once. */
let addon: WalIndexHeader | null | undefined;
function walIndexHeader(): WalIndexHeader | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('wal-index-header') as WalIndexHeader | null;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** How a watch opened now would read the header: 'memory' where the addon was built. */
export function headerReads(): CommitWatch['reads'] {
  return walIndexHeader() ? 'memory' : 'pread';
}

/** Copies the current header into a buffer; throws when the file cannot be read. */
interface HeaderReader {
  reads: CommitWatch['reads'];
  into(target: Buffer): void;
  close(): void;
}

/**
 * The shared mapping when the addon is there (and `preferMemory`), else pread(2); undefined when
 * the file cannot be opened. Either way on one descriptor that is never closed: closing any
 * descriptor of a file drops every POSIX lock the process holds on it, SQLite's own locks on the
 * -shm file included, and another process would then take itself for the first to open the
 * database and rebuild (truncate) the file under us (https://sqlite.org/howtocorrupt.html, 2.2).
 * One descriptor per watch, and a server opens one watch.
 */
function openHeaderReader(shmFile: string, preferMemory: boolean): HeaderReader | undefined {
  let fd: number;
  try {
    fd = fs.openSync(shmFile, 'r');
  } catch {
    return undefined;
  }
  const mapped = preferMemory ? walIndexHeader() : null;
  if (mapped) {
    try {
      const map = mapped.map(fd);
      return { reads: 'memory', into: (target) => mapped.copy(map, target), close: () => mapped.unmap(map) };
    } catch {
      // Unmappable here (too short, an unusual file system): read it instead.
    }
  }
  return {
    reads: 'pread',
    into(target) {
      if (fs.readSync(fd, target, 0, HEADER_BYTES, 0) !== HEADER_BYTES) throw new Error('short read');
    },
    close() {},
  };
}

/** TypeORM's better-sqlite3 connection (one per DataSource, shared by every query). */
export function sqliteHandle(dataSource: DataSource): SqliteHandle | undefined {
  if (dataSource.options.type !== 'better-sqlite3') return undefined;
  return (dataSource.driver as unknown as { databaseConnection?: SqliteHandle }).databaseConnection;
}

/**
 * A watch on the database's commits, or undefined where there is nothing to watch: PostgreSQL, an
 * in-memory SQLite database, or a file not in WAL mode. Before it is trusted it proves itself on
 * this SQLite build: a committed write (`PRAGMA user_version` set to its own value) must change
 * the header, and a read must not. A build where either fails gets no watch, so the callers keep
 * reading the database every time.
 */
export function openCommitWatch(
  dataSource: DataSource,
  opts: { reads?: CommitWatch['reads'] } = {},
): CommitWatch | undefined {
  const db = sqliteHandle(dataSource);
  const file = dataSource.options.database;
  if (!db || typeof file !== 'string' || file === ':memory:' || file === '') return undefined;
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  const header = openHeaderReader(`${file}-shm`, opts.reads !== 'pread');
  if (!header) return undefined;
  const current = Buffer.alloc(HEADER_BYTES);
  const seen = Buffer.alloc(HEADER_BYTES);
  let broken = false;
  const close = (): void => {
    if (broken) return;
    broken = true;
    header.close();
  };
  const read = (): boolean => {
    // Once the connection is closed nothing keeps another one from truncating the file (and a
    // mapped page past its end faults): from then on the answer is "changed", and callers read.
    if (broken || !db.open) {
      if (!broken) close();
      return true;
    }
    try {
      header.into(current);
    } catch {
      broken = true;
    }
    if (broken) return true;
    const changed = !current.equals(seen);
    if (changed) current.copy(seen);
    return changed;
  };
  read();
  db.pragma('user_version', { simple: true });
  const readLeftItAlone = !read();
  const version = Number(db.pragma('user_version', { simple: true }));
  db.pragma(`user_version = ${version}`);
  const commitChangedIt = read();
  if (!readLeftItAlone || !commitChangedIt) {
    close();
    return undefined;
  }
  return {
    // A failed read answers "changed" from then on: callers fall back to the database.
    changed: read,
    reads: header.reads,
    close,
  };
}
