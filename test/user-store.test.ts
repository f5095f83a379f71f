import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSchema } from '../src/db/entities/user.js';
import { createTestApp, decodeJwt, makeAdmin, ME, type TestApp } from './helpers/app.js';

// findById runs on every authenticated request; on SQLite it is a prepared statement rather than
// TypeORM's query builder. It must return what findOneBy returns and never a stale row.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('UserStore.findById (a prepared statement on SQLite, TypeORM on PostgreSQL)', () => {
  it('returns exactly what TypeORM findOneBy returns, Dates and all', async () => {
    const { id } = await app.signup();
    const fast = await app.services.users.findById(id);
    const slow = await app.dataSource.getRepository(UserSchema).findOneBy({ id });
    expect(fast).toStrictEqual(slow);
    expect(fast!.createdAt).toBeInstanceOf(Date);
    expect(typeof fast!.tokenVersion).toBe('number');
  });

  it('answers null for an unknown id', async () => {
    expect(await app.services.users.findById('00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('sees role changes, token-version bumps and deletion at once', async () => {
    const { id, token } = await app.signup();
    expect((await app.gql(ME, undefined, { token })).body.data).toBeTruthy();

    await makeAdmin(app, id);
    const after = await app.services.users.findById(id);
    expect(after).toMatchObject({ role: 'ADMIN', tokenVersion: 1 });
    // The old token carries ver 0: refused on the very next request.
    expect((await app.gql(ME, undefined, { token })).code).toBe('UNAUTHENTICATED');

    await app.services.users.delete(id);
    expect(await app.services.users.findById(id)).toBeNull();
  });

  it('sees a row written through another connection to the same database (another instance)', async () => {
    const { id } = await app.signup();
    const other = await createTestApp({}, { database: app.databaseUrl });
    try {
      await other.services.users.update(id, { role: 'ADMIN', bumpTokenVersion: true });
      expect(await app.services.users.findById(id)).toMatchObject({ role: 'ADMIN', tokenVersion: 1 });
      await other.services.users.delete(id);
      expect(await app.services.users.findById(id)).toBeNull();
    } finally {
      await other.close(); // the database itself belongs to `app`
    }
  });
});

describe('UserStore.findForToken (the user and the token’s session in one query)', () => {
  it('answers the same user as findOneBy, and the session’s state', async () => {
    const { id, token } = await app.signup();
    const sid = decodeJwt(token).claims.sid as string;
    const found = await app.services.users.findForToken(id, sid);
    expect(found!.user).toStrictEqual(await app.dataSource.getRepository(UserSchema).findOneBy({ id }));
    expect(found!.session).toEqual({ lastUsedAt: expect.any(Date), revokedAt: null });
    expect(Date.now() - found!.session!.lastUsedAt.getTime()).toBeLessThan(60_000);
  });

  it('answers no session for an unknown id or another user’s, and sees a revocation made elsewhere', async () => {
    const a = await app.signup();
    const b = await app.signup();
    const sidB = decodeJwt(b.token).claims.sid as string;
    expect((await app.services.users.findForToken(a.id, sidB))!.session).toBeNull();
    expect((await app.services.users.findForToken(a.id, 'nope'))!.session).toBeNull();
    expect(await app.services.users.findForToken('00000000-0000-7000-8000-000000000000', sidB)).toBeNull();
    const other = await createTestApp({}, { database: app.databaseUrl });
    try {
      await other.services.sessions.revoke(b.id, sidB);
      expect((await app.services.users.findForToken(b.id, sidB))!.session!.revokedAt).toBeInstanceOf(Date);
    } finally {
      await other.close();
    }
  });
});
