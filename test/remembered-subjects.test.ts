import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCommitWatch } from '../src/db/commit-watch.js';
import type { Caller } from '../src/auth/caller.js';
import { UserStore } from '../src/db/user-store.js';
import { createTestApp, decodeJwt, ME, type TestApp } from './helpers/app.js';
import { dbKind } from './helpers/db.js';
import type { WalIndexHeader } from 'wal-index-header';

// On SQLite the server remembers each token's user + session between commits (UserStore
// findForToken) and learns of every commit, its own or another process's, from the WAL-index
// header (src/db/commit-watch.ts). These tests write the way the world does: through the API, on
// the same connection inside a transaction, and from a second process on the same file, and
// require the very next request to see it.

/** Runs SQL against `file` in a separate Node process (better-sqlite3), as a CLI or another instance would. */
function writeFromAnotherProcess(file: string, sql: string, params: unknown[] = []): void {
  const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1], { timeout: 5000 });
    db.prepare(process.argv[2]).run(...JSON.parse(process.argv[3])); db.close();`;
  execFileSync(process.execPath, ['-e', script, file, sql, JSON.stringify(params)], { cwd: process.cwd() });
}

/** The addon, or null where it was not built. */
const walIndexHeader = createRequire(import.meta.url)('wal-index-header') as WalIndexHeader | null;

const sqliteFile = (app: TestApp) => app.databaseUrl.replace(/^sqlite:/, '');

describe.skipIf(dbKind !== 'sqlite')('remembered token subjects on SQLite (the commit watch)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  // Both ways of reading the header: the shared mapping (packages/wal-index-header) and pread(2),
  // the fallback where the addon could not be built.
  it.for(['memory', 'pread'] as const)(
    'the watch (%s): a read leaves the header alone, a commit here or in another process changes it',
    async (reads, { skip }) => {
      // Reported as skipped, with the reason, where the addon could not be built.
      if (reads === 'memory' && !walIndexHeader) skip('wal-index-header is not built (no C toolchain at install)');
      const watch = openCommitWatch(app.dataSource, { reads });
      expect(watch).toBeDefined();
      expect(watch!.reads).toBe(reads);
      try {
        watch!.changed();
        expect(watch!.changed()).toBe(false);
        await app.dataSource.query('SELECT COUNT(*) FROM users');
        expect(watch!.changed()).toBe(false);
        await app.signup();
        expect(watch!.changed()).toBe(true);
        expect(watch!.changed()).toBe(false);
        writeFromAnotherProcess(sqliteFile(app), "UPDATE users SET name = 'Renamed' WHERE 0 = 1");
        expect(watch!.changed()).toBe(false); // nothing changed, nothing committed
        const { id } = await app.signup();
        watch!.changed();
        writeFromAnotherProcess(sqliteFile(app), "UPDATE users SET name = 'Renamed' WHERE id = ?", [id]);
        expect(watch!.changed()).toBe(true);
      } finally {
        watch?.close();
      }
      // Closed, it can no longer vouch for anything.
      expect(watch!.changed()).toBe(true);
    },
  );

  // POSIX drops every lock a process holds on a file when it closes any descriptor of it. A watch
  // that closed its descriptor took SQLite's locks on the -shm file with it: the next process to
  // open the database took itself for the first, rebuilt the WAL index and reset its header.
  it.each(['memory', 'pread'] as const)(
    'opening and closing a watch (%s) leaves SQLite its locks: another process rebuilds nothing',
    (reads) => {
      const first = openCommitWatch(app.dataSource, { reads });
      first?.close();
      const watch = openCommitWatch(app.dataSource, { reads });
      expect(watch).toBeDefined();
      watch!.changed();
      writeFromAnotherProcess(sqliteFile(app), "UPDATE users SET name = 'Renamed' WHERE 0 = 1");
      expect(watch!.changed()).toBe(false);
    },
  );

  it('the server reads the header from memory wherever the addon was built', () => {
    const watch = openCommitWatch(app.dataSource);
    try {
      expect(watch?.reads).toBe(walIndexHeader ? 'memory' : 'pread');
    } finally {
      watch?.close();
    }
  });

  it.skipIf(!walIndexHeader)(
    'the addon refuses what it cannot map safely and an unmapped handle, and its view is the mapped header itself',
    () => {
      const addon = walIndexHeader!;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-index-'));
      const fds: number[] = [];
      const open = (name: string) => {
        const fd = fs.openSync(path.join(dir, name), 'r+');
        fds.push(fd);
        return fd;
      };
      try {
        // Shorter than a header: touching the mapped page would fault (SIGBUS).
        fs.writeFileSync(path.join(dir, 'short-shm'), Buffer.alloc(10));
        expect(() => addon.map(open('short-shm'))).toThrow(/shorter than a WAL-index header/);
        expect(() => addon.map(-1)).toThrow(TypeError);
        const header = Buffer.alloc(4096);
        header.write('first header');
        fs.writeFileSync(path.join(dir, 'header-shm'), header);
        const fd = open('header-shm');
        const map = addon.map(fd);
        const into = Buffer.alloc(96);
        addon.copy(map, into);
        expect(into.subarray(0, 12).toString()).toBe('first header');
        // Another write to the file is seen through the mapping at once, as SQLite's are.
        fs.writeSync(fd, 'later header', 0);
        addon.copy(map, into);
        expect(into.subarray(0, 12).toString()).toBe('later header');
        expect(() => addon.copy(map, Buffer.alloc(95))).toThrow(TypeError);
        expect(() => addon.copy({} as never, into)).toThrow(TypeError);
        // The view: the header bytes over the mapping itself, the same ArrayBuffer each time.
        const view = addon.view(map);
        expect(view.byteLength).toBe(96);
        expect(addon.view(map)).toBe(view);
        fs.writeSync(fd, 'third header', 0);
        expect(Buffer.from(view, 0, 12).toString()).toBe('third header');
        expect(() => addon.view({} as never)).toThrow(TypeError);
        const words = new Int32Array(view);
        addon.unmap(map);
        expect(() => addon.copy(map, into)).toThrow(/unmapped/);
        expect(() => addon.view(map)).toThrow(/unmapped/);
        // Detached before the page went: nothing can read an unmapped page through it.
        expect(view.byteLength).toBe(0);
        expect(words.length).toBe(0);
        expect(words[0]).toBeUndefined();
        expect(() => new Int32Array(view)).toThrow(TypeError);
      } finally {
        for (const fd of fds) fs.closeSync(fd);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('a watch whose database has closed answers "changed" and reads nothing more', async () => {
    const other = await createTestApp();
    const watch = openCommitWatch(other.dataSource);
    expect(watch).toBeDefined();
    watch!.changed();
    expect(watch!.changed()).toBe(false);
    await other.close();
    expect(watch!.changed()).toBe(true);
    expect(watch!.changed()).toBe(true);
  });

  it('no watch where there is nothing to watch: an in-memory database', async () => {
    const memory = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await memory.initialize();
    try {
      expect(openCommitWatch(memory)).toBeUndefined();
    } finally {
      await memory.destroy();
    }
  });

  it('a session revoked by another process is refused on the very next request', async () => {
    const { token } = await app.signup();
    for (let i = 0; i < 3; i++) expect((await app.gql(ME, undefined, { token })).body.errors).toBeUndefined();
    const { sid } = decodeJwt(token).claims as { sid: string };
    writeFromAnotherProcess(sqliteFile(app), 'UPDATE sessions SET revoked_at = ? WHERE id = ?', [
      new Date().toISOString().replace('T', ' ').replace('Z', ''),
      sid,
    ]);
    expect((await app.gql(ME, undefined, { token })).code).toBe('UNAUTHENTICATED');
  });

  it('a role changed and an account deleted by another process count on the very next request', async () => {
    const { id, token } = await app.signup();
    expect((await app.gql('{ me { role } }', undefined, { token })).body.data).toEqual({ me: { role: 'USER' } });
    // No token-version bump: only a fresh read can show the new role.
    writeFromAnotherProcess(sqliteFile(app), "UPDATE users SET role = 'ADMIN' WHERE id = ?", [id]);
    expect((await app.gql('{ me { role } }', undefined, { token })).body.data).toEqual({ me: { role: 'ADMIN' } });
    writeFromAnotherProcess(sqliteFile(app), 'DELETE FROM users WHERE id = ?', [id]);
    expect((await app.gql(ME, undefined, { token })).code).toBe('UNAUTHENTICATED');
  });

  it('revokeSession through the API, then the revoked token at once', async () => {
    const a = await app.signup();
    const other = await app.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: a.email,
      p: a.password,
    });
    const second = other.body.data.login.token as string;
    expect((await app.gql(ME, undefined, { token: second })).body.errors).toBeUndefined();
    const { sid } = decodeJwt(second).claims as { sid: string };
    const revoked = await app.gql('mutation($id: ID!) { revokeSession(id: $id) }', { id: sid }, { token: a.token });
    expect(revoked.body.data).toEqual({ revokeSession: true });
    expect((await app.gql(ME, undefined, { token: second })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(ME, undefined, { token: a.token })).body.errors).toBeUndefined();
  });

  it('what a transaction wrote and then rolled back is never remembered', async () => {
    const { id, token } = await app.signup();
    const { sid } = decodeJwt(token).claims as { sid: string };
    const users = app.services.users;
    await expect(
      app.dataSource.transaction(async (m) => {
        await m.query("UPDATE users SET role = 'ADMIN' WHERE id = ?", [id]);
        // This connection sees its own uncommitted row here...
        expect((await users.findForToken(id, sid))?.user.role).toBe('ADMIN');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // ...and after the rollback, which changes no header, the committed one.
    expect((await users.findForToken(id, sid))?.user.role).toBe('USER');
    expect((await app.gql('{ me { role } }', undefined, { token })).body.data).toEqual({ me: { role: 'USER' } });
  });

  it('an answer read just before a commit that another request has already noticed is not remembered', async () => {
    const a = await app.signup();
    const b = await app.signup();
    const sidOf = (t: string) => (decodeJwt(t).claims as { sid: string }).sid;
    const users = app.services.users;
    // A's row is read (SQLite answers synchronously), then its promise waits for the microtask queue...
    const pending = users.findForToken(a.id, sidOf(a.token));
    // ...while another process commits a change to A, and a request for B notices that commit.
    writeFromAnotherProcess(sqliteFile(app), "UPDATE users SET role = 'ADMIN' WHERE id = ?", [a.id]);
    const forB = users.findForToken(b.id, sidOf(b.token));
    expect((await pending)?.user.role).toBe('USER'); // read before the commit: fine for that request
    await forB;
    // The next request for A must not get the pre-commit answer from memory.
    expect((await users.findForToken(a.id, sidOf(a.token)))?.user.role).toBe('ADMIN');
  });

  it('a token seen before, with nothing committed since, is answered in the same tick; after a commit, by the database', async () => {
    const { token } = await app.signup();
    const header = `Bearer ${token}`;
    expect((await app.gql(ME, undefined, { token })).body.errors).toBeUndefined();
    const known = app.services.auth.resolve(header);
    expect(known).not.toBeInstanceOf(Promise);
    expect((known as Caller).claims.sid).toBe(decodeJwt(token).claims.sid);
    await app.query('UPDATE sessions SET revoked_at = expires_at WHERE id = ?', [decodeJwt(token).claims.sid]);
    const after = app.services.auth.resolve(header);
    expect(after).toBeInstanceOf(Promise);
    await expect(after).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    // No token is an answer too; a malformed header is a refusal, never a synchronous throw.
    expect(app.services.auth.resolve(undefined)).toBeNull();
    await expect(app.services.auth.resolve('Basic abc')).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('a request after a commit makes one commit check and one read, not two', async () => {
    const { token } = await app.signup();
    const header = `Bearer ${token}`;
    await app.services.auth.resolve(header);
    const memory = (app.services.users as unknown as { remembered: { watch: { changed(): boolean } } }).remembered;
    const changed = memory.watch.changed.bind(memory.watch);
    let checks = 0;
    memory.watch.changed = () => {
      checks++;
      return changed();
    };
    try {
      await app.signup(); // a commit: the next lookup must read
      checks = 0;
      await expect(app.services.auth.resolve(header)).resolves.toMatchObject({ claims: { sub: expect.any(String) } });
      expect(checks).toBe(1);
      checks = 0;
      expect(app.services.auth.resolve(header)).not.toBeInstanceOf(Promise); // remembered by that read
      expect(checks).toBe(1);
    } finally {
      memory.watch.changed = changed;
    }
  });

  it('a remembered answer is frozen: no request can change what the next one gets', async () => {
    const { id, token } = await app.signup();
    const { sid } = decodeJwt(token).claims as { sid: string };
    await app.services.users.findForToken(id, sid);
    const again = await app.services.users.findForToken(id, sid);
    expect(Object.isFrozen(again)).toBe(true);
    expect(Object.isFrozen(again!.user)).toBe(true);
    expect(() => {
      (again!.user as { role: string }).role = 'ADMIN';
    }).toThrow(TypeError);
  });

  it('a CLI-style store (no rememberTokenSubjects) reads every time and writes nothing', async () => {
    const plain = new UserStore(app.dataSource);
    const { id, token } = await app.signup();
    const { sid } = decodeJwt(token).claims as { sid: string };
    const first = await plain.findForToken(id, sid);
    expect(Object.isFrozen(first)).toBe(false);
    expect(await plain.findForToken(id, sid)).not.toBe(first);
  });
});
