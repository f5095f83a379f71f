import { afterEach, describe, expect, it } from 'vitest';
import { sqliteHandle } from '../src/db/commit-watch.js';
import { type TestApp, createTestApp, ME, uniqueEmail } from './helpers/app.js';
import { dbKind } from './helpers/db.js';

// SQLite's commits are synced on libuv's thread pool before the answer that made them leaves
// (src/db/durable-commits.ts): the connection runs at synchronous = NORMAL, and every request that
// committed waits for an fdatasync of the WAL that started after its last commit. Through the app
// (yoga.fetch on a real SQLite file) and through the barrier itself.

describe.skipIf(dbKind !== 'sqlite')('SQLite commits synced off the event loop', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  const durable = () => {
    const d = app.services.durableCommits;
    if (!d) throw new Error('no durable commits on a SQLite file');
    return d;
  };
  const synchronous = () => Number(sqliteHandle(app.dataSource)!.pragma('synchronous', { simple: true }));

  it('runs the connection at NORMAL (1), with the barrier in place', async () => {
    app = await createTestApp();
    expect(app.services.durableCommits).toBeDefined();
    expect(synchronous()).toBe(1);
  });

  it('answers a signup only after an fdatasync that covers it; a read waits for none', async () => {
    app = await createTestApp();
    const before = durable().syncs;
    const s = await app.signup({ email: uniqueEmail('durable') });
    // The sync completed before the answer was handed over: the count moved before we saw it.
    expect(durable().syncs).toBeGreaterThan(before);
    const afterSignup = durable().syncs;
    const me = await app.gql(ME, {}, { token: s.token });
    expect(me.body.data.me.id).toBe(s.id);
    expect(durable().syncs).toBe(afterSignup);
    // And the row is there, read back through another query.
    const rows = await app.query('SELECT id FROM users WHERE id = ?', [s.id]);
    expect(rows).toHaveLength(1);
  });

  it('a login (its session, refresh token and security event) is synced before its answer', async () => {
    app = await createTestApp();
    const s = await app.signup({ email: uniqueEmail('durable-login') });
    const before = durable().syncs;
    const r = await app.login(s.email, s.password);
    expect(r.body.data.login.token).toMatch(/^ey/);
    expect(durable().syncs).toBeGreaterThan(before);
  });

  it('outside a request scope nothing is waited for; inside one, only its own commits', async () => {
    app = await createTestApp();
    const d = durable();
    expect(d.settle()).toBeUndefined();
    await d.run(async () => {
      await app.query('SELECT 1');
      expect(d.settle()).toBeUndefined();
      await app.query('UPDATE users SET name = name WHERE 0');
      const wait = d.settle();
      expect(wait).toBeInstanceOf(Promise);
      await wait;
      // Now on disk: nothing more to wait for.
      expect(d.settle()).toBeUndefined();
    });
  });

  it('requests that commit together share one fdatasync', async () => {
    app = await createTestApp();
    const d = durable();
    await d.run(async () => {
      // Settle anything left from the app's start first.
      await app.query('UPDATE users SET name = name WHERE 0');
      await d.settle();
    });
    const before = d.syncs;
    let releaseA!: () => void;
    const aCommitted = new Promise<void>((r) => (releaseA = r));
    const a = d.run(async () => {
      await app.query('UPDATE users SET name = name WHERE 0');
      releaseA();
      await b;
      // Wrapped: an async function's returned promise would be awaited away.
      return { wait: d.settle() };
    });
    const b = d.run(async () => {
      await aCommitted;
      await app.query('UPDATE users SET name = name WHERE 0');
    });
    // B has committed after A, before either asked: one sync covers both.
    const settleA = (await a).wait;
    const settleB = d.run(() => d.settle());
    expect(settleA).toBeInstanceOf(Promise);
    await Promise.all([settleA, settleB]);
    expect(d.syncs).toBe(before + 1);
  });

  it('a commit made after a sync began waits for a later one', async () => {
    app = await createTestApp();
    const d = durable();
    // Wrapped: an async function's returned promise would be awaited away.
    const firstWait = (
      await d.run(async () => {
        await app.query('UPDATE users SET name = name WHERE 0');
        return { wait: d.settle() };
      })
    ).wait;
    // The first sync is in flight (it runs on the thread pool); this commit comes after it began.
    const second = (
      await d.run(async () => {
        await app.query('UPDATE users SET name = name WHERE 0');
        return { wait: d.settle() };
      })
    ).wait;
    expect(second).toBeInstanceOf(Promise);
    expect(second).not.toBe(firstWait);
    const before = d.syncs;
    await Promise.all([firstWait, second]);
    expect(d.syncs).toBeGreaterThanOrEqual(before + 1);
    expect(d.run(() => d.settle())).toBeUndefined();
  });
});
