import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/config.js';
import { openDatabase } from '../src/db/data-source.js';
import { migrations } from '../src/db/migrations/index.js';
import { CreateSessions1765200000000 } from '../src/db/migrations/1765200000000-create-sessions.js';
import { databasePerFile, dbKind } from './helpers/db.js';

const file = databasePerFile('session-migration');

describe(`the sessions migration on a populated database (${dbKind})`, () => {
  it('turns every existing refresh-token family into a session, revoked only when all its tokens are', async () => {
    const before = migrations.slice(0, migrations.indexOf(CreateSessions1765200000000));
    const db = parseDatabaseUrl(file.db.url, file.dir);
    const old = await openDatabase(db, { migrate: true, migrations: before });
    const q = (sql: string, params: unknown[] = []) => {
      let n = 0;
      return old.query(dbKind === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql, params);
    };
    const user = '01900000-0000-7000-8000-00000000000a';
    await q("INSERT INTO users (id, name, email, password_hash) VALUES (?, 'Old', 'old@example.com', 'x')", [user]);
    // UTC literals: PostgreSQL's session here runs in another time zone on purpose.
    const utc = (t: string | null) => (t && dbKind === 'postgres' ? `${t}+00` : t);
    const token = (id: string, family: string, created: string, revoked: string | null) =>
      q(
        'INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [id, user, family, id.padEnd(64, '0'), utc('2099-01-01 00:00:00.000'), utc(revoked), utc(created)],
      );
    const live = '01900000-0000-7000-8000-0000000000f1';
    const ended = '01900000-0000-7000-8000-0000000000f2';
    await token('01900000-0000-7000-8000-000000000001', live, '2026-01-01 00:00:00.000', null);
    await token('01900000-0000-7000-8000-000000000002', live, '2026-01-02 00:00:00.000', null);
    await token('01900000-0000-7000-8000-000000000003', ended, '2026-01-03 00:00:00.000', '2026-01-04 00:00:00.000');
    await old.destroy();

    const upgraded = await openDatabase(db, { migrate: true });
    try {
      const rows = await upgraded.query(
        'SELECT id, user_id, created_at, last_used_at, revoked_at FROM sessions ORDER BY id',
      );
      expect(rows).toHaveLength(2);
      const at = (v: unknown) => (v instanceof Date ? v : new Date(`${String(v).replace(' ', 'T')}Z`)).toISOString();
      expect(rows[0]).toMatchObject({ id: live, user_id: user, revoked_at: null });
      expect(at(rows[0].created_at)).toBe('2026-01-01T00:00:00.000Z');
      expect(at(rows[0].last_used_at)).toBe('2026-01-02T00:00:00.000Z');
      expect(rows[1].id).toBe(ended);
      expect(at(rows[1].revoked_at)).toBe('2026-01-04T00:00:00.000Z');
    } finally {
      await upgraded.destroy();
    }
  });
});
