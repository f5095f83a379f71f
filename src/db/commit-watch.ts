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
 * (packages/wal-index-header, a few lines of C: Node has no mmap), through an ArrayBuffer over the
 * mapped page: plain memory reads, no system call and no call into native code. Where that addon
 * was not built (no C compiler at install time) it is read with pread(2): exact too, but one
 * system call per check, which on these virtual machines cost about 7 us of CPU per request in
 * the server (the call itself, and the caches it leaves cold). Either is far cheaper than what it spares: a read transaction (two
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
  close(): unknown;
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

/** The header as 24 32-bit words, the unit the comparison goes by. */
const HEADER_WORDS = HEADER_BYTES / 4;

/** Reads the current header; throws when the file cannot be read. */
interface HeaderReader {
  reads: CommitWatch['reads'];
  /** Compares the current header with `seen` and leaves the current one there: true when they differed. */
  changedSince(seen: Int32Array): boolean;
  close(): void;
}

function compareInto(current: Int32Array, seen: Int32Array): boolean {
  let changed = false;
  for (let i = 0; i < HEADER_WORDS; i++) {
    const word = current[i]!;
    if (word !== seen[i]) {
      seen[i] = word;
      changed = true;
    }
  }
  return changed;
}

/**
 * The shared mapping when the addon is there (and `preferMemory`), else pread(2); undefined when
 * the file cannot be opened. Either way on one descriptor that is never closed: closing any
 * descriptor of a file drops every POSIX lock the process holds on it, SQLite's own locks on the
 * -shm file included, and another process would then take itself for the first to open the
 * database and rebuild (truncate) the file under us (https://sqlite.org/howtocorrupt.html, 2.2).
 * One descriptor per watch, and a server opens one watch.
 *
 * With the mapping, the header is read through a view of the mapped page itself: plain memory
 * reads, with no call into native code per check (an addon call, with its argument checks, cost
 * more in a loaded server than the copy it made). A torn read, while another connection rewrites
 * the header, can only make two headers differ: it answers "changed" and callers read.
 */
function openHeaderReader(shmFile: string, preferMemory: boolean): HeaderReader | undefined {
  let fd: number;
  try {
    fd = fs.openSync(shmFile, 'r');
  } catch {
    return undefined;
  }
  const current = new Int32Array(HEADER_WORDS);
  const bytes = Buffer.from(current.buffer);
  const mapped = preferMemory ? walIndexHeader() : null;
  if (mapped) {
    let map: ReturnType<WalIndexHeader['map']> | undefined;
    try {
      map = mapped.map(fd);
    } catch {
      // Unmappable here (too short, an unusual file system): read it instead.
    }
    if (map) {
      const handle = map;
      const close = () => mapped.unmap(handle);
      try {
        const view = new Int32Array(mapped.view(handle));
        return { reads: 'memory', changedSince: (seen) => compareInto(view, seen), close };
      } catch {
        // A runtime without external ArrayBuffers: copy the header out of the mapping instead.
        return {
          reads: 'memory',
          changedSince(seen) {
            mapped.copy(handle, bytes);
            return compareInto(current, seen);
          },
          close,
        };
      }
    }
  }
  return {
    reads: 'pread',
    changedSince(seen) {
      if (fs.readSync(fd, bytes, 0, HEADER_BYTES, 0) !== HEADER_BYTES) throw new Error('short read');
      return compareInto(current, seen);
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
  const seen = new Int32Array(HEADER_WORDS);
  let broken = false;
  const close = (): void => {
    if (broken) return;
    broken = true;
    header.close();
  };
  // Once the connection is closed nothing keeps another one from truncating the file (and a
  // mapped page past its end faults): from then on the answer is "changed", and callers read.
  // The watch learns of it from the connection's own close(), wrapped here, rather than by asking
  // better-sqlite3's native `open` getter before every read: that crossing into C++ was the
  // largest item of the commit check in a server profile (about 2.7 us a request on these VMs).
  const closeConnection = db.close;
  db.close = function (this: SqliteHandle) {
    close();
    return closeConnection.call(this);
  };
  const read = (): boolean => {
    if (broken) return true;
    try {
      return header.changedSince(seen);
    } catch {
      broken = true;
      return true;
    }
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
