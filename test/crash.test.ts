import { describe, expect, it } from 'vitest';
import { createTestApp, LOGIN, SIGNUP, uniqueEmail } from './helpers/app.js';
import { databasePerFile, dbKind } from './helpers/db.js';
import { startServer } from './helpers/server.js';

// A real server on this project's database (SQLite; PostgreSQL too when TEST_DATABASE_URL is set).
const file = databasePerFile('crash');

describe(`a crash mid-write (${dbKind})`, () => {
  it('loses no acknowledged signup: SIGKILL during a burst, restart, every acknowledged account logs in', async () => {
    const server = await startServer({ DATABASE_URL: file.db.url });
    const password = 'crash test password';
    const acknowledged: Array<{ email: string; id: string }> = [];
    let attempted = 0;
    let killed = false;

    // 6 clients signing up back to back; the process is killed once 15 signups have been answered,
    // so others are mid-hash or mid-insert at that moment.
    async function client() {
      while (!killed && attempted < 200) {
        attempted += 1;
        const email = uniqueEmail('crash');
        try {
          const res = await server.gql(SIGNUP, { input: { name: 'Crash', email, password } });
          if (res.body.data?.signup) acknowledged.push({ email, id: res.body.data.signup.user.id });
        } catch {
          return; // connection reset by the kill: not acknowledged, so no promise was made
        }
        if (acknowledged.length >= 15 && !killed) {
          killed = true;
          server.proc.kill('SIGKILL');
        }
      }
    }
    await Promise.all(Array.from({ length: 6 }, client));
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(killed).toBe(true);
    expect(attempted).toBeGreaterThan(acknowledged.length); // some were in flight when it died

    // Restart: the app opened again on the same database (in this process, as a new server would:
    // migrations checked at start), then every acknowledged account logs in.
    const restarted = await createTestApp({}, { database: file.db.url });
    try {
      for (const a of acknowledged) {
        const login = await restarted.gql(LOGIN, { email: a.email, password });
        expect(login.body.errors, a.email).toBeUndefined();
        expect(login.body.data?.login.user.id).toBe(a.id);
      }
      // And the database is healthy after the crash: /ready and new signups work.
      expect((await restarted.yoga.fetch('http://localhost/ready')).status).toBe(200);
      const fresh = await restarted.gql(SIGNUP, { input: { name: 'After', email: uniqueEmail('after'), password } });
      expect(fresh.body.errors).toBeUndefined();
    } finally {
      await restarted.close();
    }
  });
});
