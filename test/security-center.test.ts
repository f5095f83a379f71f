import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLObjectType } from 'graphql';
import { loadConfig } from '../src/config.js';
import { buildSchema } from '../src/schema.js';
import { refreshSession } from '../src/users/accounts.js';
import { purgeExpiredSecurityData } from '../src/security/retention.js';
import { SECURITY_EVENT_TYPES } from '../src/security/event-types.js';
import { readSse } from './helpers/sse.js';
import { createTestApp, decodeJwt, type GqlResult, makeAdmin, ME, uniqueEmail, type TestApp } from './helpers/app.js';

// The account's security center (issue 17): sessions, the security log, the data export.
// Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

const SIGNUP = /* GraphQL */ `
  mutation($input: SignupInput!) { signup(input: $input) { token refreshToken user { id } } }
`;
const LOGIN = /* GraphQL */ `
  mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token refreshToken } }
`;
const REFRESH = /* GraphQL */ `mutation($rt: String) { refresh(refreshToken: $rt) { token refreshToken } }`;
const LOGOUT = /* GraphQL */ `mutation($rt: String) { logout(refreshToken: $rt) }`;
const SESSIONS = /* GraphQL */ `{ sessions { id createdAt lastUsedAt userAgent address current } }`;
const REVOKE = /* GraphQL */ `mutation($id: ID!) { revokeSession(id: $id) }`;
const REVOKE_OTHERS = /* GraphQL */ `mutation { revokeOtherSessions }`;
const EVENTS = /* GraphQL */ `
  query($first: Int, $after: String) {
    securityEvents(first: $first, after: $after) {
      edges { cursor node { id type at address userAgent sessionId } }
      nodes { id type }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const USER_EVENTS = /* GraphQL */ `
  query($userId: ID!, $first: Int, $after: String) {
    userSecurityEvents(userId: $userId, first: $first, after: $after) {
      nodes { id type } pageInfo { hasNextPage endCursor }
    }
  }
`;
const EXPORT = /* GraphQL */ `{ exportMyData }`;
const PASSWORD = 'correct horse battery';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

/** A device: requests with its own User-Agent (and, via yoga.fetch, no socket address). */
const ua = (name: string) => ({ 'user-agent': `Device/${name}` });

/** An account signed up on device "signup"; `device(name)` signs it in again on another. */
async function account() {
  const email = uniqueEmail('sc');
  const res = await app.gql(SIGNUP, { input: { name: 'S', email, password: PASSWORD } }, { headers: ua('signup') });
  const { token, refreshToken, user } = res.body.data!.signup;
  const device = async (name: string) => {
    const r = await app.gql(LOGIN, { email, password: PASSWORD }, { headers: ua(name) });
    if (!r.body.data?.login) throw new Error(JSON.stringify(r.body));
    const { token: t, refreshToken: rt } = r.body.data.login;
    return { token: t as string, refreshToken: rt as string, sid: decodeJwt(t).claims.sid as string };
  };
  return {
    id: user.id as string,
    email,
    first: { token: token as string, refreshToken: refreshToken as string, sid: decodeJwt(token).claims.sid as string },
    device,
  };
}

async function eventTypes(token: string, first = 100): Promise<string[]> {
  await app.services.securityLog.settled();
  const res = await app.gql(EVENTS, { first }, { token });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.securityEvents.nodes.map((n: { type: string }) => n.type);
}

describe('sessions', () => {
  it('every sign-in is a session: the access token carries its id as sid, the refresh token is its family', async () => {
    const a = await account();
    expect(a.first.sid).toMatch(/^[0-9a-f-]{36}$/);
    const rows = await app.query('SELECT family_id FROM refresh_tokens WHERE user_id = ?', [a.id]);
    expect(rows.map((r) => r.family_id)).toEqual([a.first.sid]);
    // A refresh keeps the session: same sid, same row.
    const refreshed = (await app.gql(REFRESH, { rt: a.first.refreshToken })).body.data!.refresh;
    expect(decodeJwt(refreshed.token).claims.sid).toBe(a.first.sid);
    expect(await app.query('SELECT id FROM sessions WHERE user_id = ?', [a.id])).toHaveLength(1);
  });

  it('lists the caller’s live sessions with the current one marked, user agent and all', async () => {
    const a = await account();
    const phone = await a.device('phone');
    const res = await app.gql(SESSIONS, undefined, { token: phone.token });
    expect(res.body.errors).toBeUndefined();
    const sessions = res.body.data!.sessions;
    expect(sessions).toHaveLength(2);
    const current = sessions.filter((s: { current: boolean }) => s.current);
    expect(current).toEqual([expect.objectContaining({ id: phone.sid, userAgent: 'Device/phone' })]);
    expect(sessions.find((s: { id: string }) => s.id === a.first.sid)).toMatchObject({
      userAgent: 'Device/signup',
      current: false,
    });
    for (const s of sessions) expect(new Date(s.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // From the other device, the other one is current.
    const fromFirst = (await app.gql(SESSIONS, undefined, { token: a.first.token })).body.data!.sessions;
    expect(fromFirst.find((s: { current: boolean }) => s.current).id).toBe(a.first.sid);
  });

  it('keeps the client address through TRUST_PROXY', async () => {
    const proxied = await createTestApp({ TRUST_PROXY: '1' }, { database: app.databaseUrl });
    try {
      const email = uniqueEmail('proxy');
      const headers = { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'Proxied/1' };
      const res = await proxied.gql(SIGNUP, { input: { name: 'P', email, password: PASSWORD } }, { headers });
      const token = res.body.data!.signup.token;
      const sessions = (await proxied.gql(SESSIONS, undefined, { token })).body.data!.sessions;
      expect(sessions).toEqual([expect.objectContaining({ address: '203.0.113.7', userAgent: 'Proxied/1' })]);
      await proxied.services.securityLog.settled();
      const events = (await proxied.gql(EVENTS, {}, { token })).body.data!.securityEvents.edges;
      expect(events[0].node).toMatchObject({ type: 'SIGNED_UP', address: '203.0.113.7', userAgent: 'Proxied/1' });
    } finally {
      await proxied.close(); // the database is app's
    }
  });

  it('revoking another session refuses its access token at the next request, and its refresh token', async () => {
    const a = await account();
    const laptop = await a.device('laptop');
    expect((await app.gql(ME, undefined, { token: laptop.token })).body.errors).toBeUndefined();

    const res = await app.gql(REVOKE, { id: laptop.sid }, { token: a.first.token });
    expect(res.body).toEqual({ data: { revokeSession: true } });

    const me = await app.gql(ME, undefined, { token: laptop.token });
    expect(me.body.errors?.[0]).toMatchObject({
      message: 'Token has been revoked',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await app.gql(REFRESH, { rt: laptop.refreshToken })).code).toBe('UNAUTHENTICATED');
    // The revoking session is untouched, and the ended one is no longer listed.
    expect((await app.gql(ME, undefined, { token: a.first.token })).body.data?.me.id).toBe(a.id);
    const ids = (await app.gql(SESSIONS, undefined, { token: a.first.token })).body.data!.sessions.map(
      (s: { id: string }) => s.id,
    );
    expect(ids).toEqual([a.first.sid]);
    // Once more: it had ended already.
    expect((await app.gql(REVOKE, { id: laptop.sid }, { token: a.first.token })).body.data).toEqual({
      revokeSession: false,
    });
  });

  it('answers NOT_FOUND for another user’s session id and an unknown one, and ends neither', async () => {
    const a = await account();
    const b = await account();
    for (const id of [b.first.sid, '01900000-0000-7000-8000-000000000000', 'not-an-id']) {
      const res = await app.gql(REVOKE, { id }, { token: a.first.token });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'No such session', extensions: { code: 'NOT_FOUND' } });
    }
    expect((await app.gql(ME, undefined, { token: b.first.token })).body.errors).toBeUndefined();
    expect((await app.gql(REFRESH, { rt: b.first.refreshToken })).body.errors).toBeUndefined();
  });

  it('revokeOtherSessions ends every session but the current one and says how many', async () => {
    const a = await account();
    const [phone, tablet, laptop] = [await a.device('phone'), await a.device('tablet'), await a.device('laptop')];
    const res = await app.gql(REVOKE_OTHERS, undefined, { token: phone.token });
    expect(res.body).toEqual({ data: { revokeOtherSessions: 3 } });
    for (const other of [a.first, tablet, laptop]) {
      expect((await app.gql(ME, undefined, { token: other.token })).code).toBe('UNAUTHENTICATED');
      expect((await app.gql(REFRESH, { rt: other.refreshToken })).code).toBe('UNAUTHENTICATED');
    }
    expect((await app.gql(ME, undefined, { token: phone.token })).body.errors).toBeUndefined();
    expect((await app.gql(REVOKE_OTHERS, undefined, { token: phone.token })).body.data).toEqual({
      revokeOtherSessions: 0,
    });
  });

  it('logout ends the current session: its access token is refused at the next request', async () => {
    const a = await account();
    const phone = await a.device('phone');
    expect((await app.gql(LOGOUT, { rt: phone.refreshToken })).body.data).toEqual({ logout: true });
    expect((await app.gql(ME, undefined, { token: phone.token })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(ME, undefined, { token: a.first.token })).body.errors).toBeUndefined();
    // Without a refresh token, the session of the access token sent ends.
    expect((await app.gql(LOGOUT, {}, { token: a.first.token })).body.data).toEqual({ logout: true });
    expect((await app.gql(ME, undefined, { token: a.first.token })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REFRESH, { rt: a.first.refreshToken })).code).toBe('UNAUTHENTICATED');
    // Neither a refresh token nor a signed-in caller: as before, the argument is required.
    expect((await app.gql(LOGOUT, {})).code).toBe('BAD_USER_INPUT');
  });

  it('refresh-token reuse ends the session: the access tokens it issued are refused too', async () => {
    const a = await account();
    const rotated = (await app.gql(REFRESH, { rt: a.first.refreshToken })).body.data!.refresh;
    expect((await app.gql(REFRESH, { rt: a.first.refreshToken })).code).toBe('UNAUTHENTICATED'); // replay
    expect((await app.gql(ME, undefined, { token: rotated.token })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(ME, undefined, { token: a.first.token })).code).toBe('UNAUTHENTICATED');
    expect(await eventTypes((await a.device('after')).token)).toContain('REFRESH_TOKEN_REUSE_DETECTED');
  });

  it('two refreshes racing for one token: one wins, and the winner’s session goes on', async () => {
    const a = await account();
    const results = await Promise.all([
      app.gql(REFRESH, { rt: a.first.refreshToken }),
      app.gql(REFRESH, { rt: a.first.refreshToken }),
    ]);
    const won = results.filter((r) => r.body.data?.refresh);
    expect(won).toHaveLength(1);
    expect((await app.gql(ME, undefined, { token: won[0]!.body.data!.refresh.token })).body.errors).toBeUndefined();
    expect(await eventTypes(a.first.token)).toContain('REFRESH_TOKEN_REUSE_DETECTED');
  });

  it('a refresh that arrived before its token was first used is a racing duplicate: refused, the session goes on', async () => {
    const a = await account();
    // The second request "arrived" first, but its read of the token comes after the first's use,
    // as on PostgreSQL when the winner's UPDATE commits before the loser's SELECT.
    const arrived = new Date(Date.now() - 5);
    const first = await refreshSession(app.services, a.first.refreshToken);
    await expect(refreshSession(app.services, a.first.refreshToken, undefined, arrived)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await app.gql(ME, undefined, { token: first.token })).body.errors).toBeUndefined();
    expect(await eventTypes(first.token)).toContain('REFRESH_TOKEN_REUSE_DETECTED');
  });

  it('the same token presented after its first use is a replay: refused, and the session ends', async () => {
    const a = await account();
    const first = await refreshSession(app.services, a.first.refreshToken);
    const later = new Date(Date.now() + 5);
    await expect(refreshSession(app.services, a.first.refreshToken, undefined, later)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await app.gql(ME, undefined, { token: first.token })).code).toBe('UNAUTHENTICATED');
  });

  it('a refresh token of a session revoked while it was in flight does not bring the session back', async () => {
    const a = await account();
    // The session ends, but (as in a race with a concurrent refresh) its family is left unrevoked.
    await app.query('UPDATE sessions SET revoked_at = expires_at WHERE id = ?', [a.first.sid]);
    expect((await app.gql(REFRESH, { rt: a.first.refreshToken })).code).toBe('UNAUTHENTICATED');
  });

  it('writes "last used" at most about once a minute, not on every request', async () => {
    const a = await account();
    const lastUsed = async () =>
      String((await app.query('SELECT last_used_at FROM sessions WHERE id = ?', [a.first.sid]))[0].last_used_at);
    await app.query("UPDATE sessions SET last_used_at = '2020-01-01 00:00:00.000' WHERE id = ?", [a.first.sid]);
    const stale = await lastUsed();
    await app.gql(ME, undefined, { token: a.first.token });
    const touched = await lastUsed();
    expect(touched).not.toBe(stale);
    for (let i = 0; i < 5; i++) await app.gql(ME, undefined, { token: a.first.token });
    expect(await lastUsed()).toBe(touched);
    const listed = (await app.gql(SESSIONS, undefined, { token: a.first.token })).body.data!.sessions[0];
    expect(Date.now() - new Date(listed.lastUsedAt).getTime()).toBeLessThan(60_000);
  });

  it('accepts a token without sid (issued before sessions) until its exp, under the version check', async () => {
    const a = await account();
    const user = (await app.services.users.findById(a.id))!;
    const legacy = await app.services.tokens.sign(user);
    expect(decodeJwt(legacy).claims.sid).toBeUndefined();
    expect((await app.gql(ME, undefined, { token: legacy })).body.errors).toBeUndefined();
    const sessions = (await app.gql(SESSIONS, undefined, { token: legacy })).body.data!.sessions;
    expect(sessions.every((s: { current: boolean }) => !s.current)).toBe(true);
    await app.gql('mutation { logoutAll }', undefined, { token: a.first.token });
    expect((await app.gql(ME, undefined, { token: legacy })).code).toBe('UNAUTHENTICATED');
  });

  it('ends an open event stream when its session is revoked, and leaves the other session’s open', async () => {
    const a = await account();
    const phone = await a.device('phone');
    const stop = new AbortController();
    const open = (token: string) =>
      app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        signal: stop.signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'subscription { accountEvents { kind } }' }),
      });
    const [phoneStream, firstStream] = [await open(phone.token), await open(a.first.token)];
    const read = async (res: Response, ms: number) => {
      const events: Array<{ event: string; data: any }> = [];
      const reading = (async () => {
        for await (const e of readSse(res)) events.push(e);
      })();
      await Promise.race([reading, new Promise((r) => setTimeout(r, ms))]);
      return events;
    };
    await new Promise((r) => setTimeout(r, 100)); // let both subscriptions attach
    const phoneEvents = read(phoneStream, 8000);
    const firstEvents = read(firstStream, 1500);
    await app.gql(REVOKE, { id: phone.sid }, { token: a.first.token });
    const ended = (await phoneEvents).filter((e) => e.event === 'next').map((e) => e.data);
    expect(ended[0]).toEqual({ data: { accountEvents: { kind: 'SESSION_REVOKED' } } });
    expect(ended[1]?.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    const still = await firstEvents;
    expect(still.filter((e) => e.event === 'next').map((e) => e.data)).toEqual([
      { data: { accountEvents: { kind: 'SESSION_REVOKED' } } },
    ]);
    expect(still.some((e) => e.event === 'complete')).toBe(false);
    stop.abort();
  });
});

describe('the security log', () => {
  it('records each provoked action, newest first, with time, address, user agent and session', async () => {
    const a = await account();
    const phone = await a.device('phone');
    await app.gql(LOGIN, { email: a.email, password: 'wrong password!' }, { headers: ua('thief') });
    await app.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: PASSWORD, n: `${PASSWORD} 2` },
      { token: phone.token },
    );
    const again = await app.gql(LOGIN, { email: a.email, password: `${PASSWORD} 2` }, { headers: ua('again') });
    const token = again.body.data!.login.token as string;
    const other = await app.gql(LOGIN, { email: a.email, password: `${PASSWORD} 2` }, { headers: ua('other') });
    const otherSid = decodeJwt(other.body.data!.login.token).claims.sid;
    await app.gql(REVOKE, { id: otherSid }, { token });
    await app.gql(LOGIN, { email: a.email, password: `${PASSWORD} 2` });
    await app.gql(REVOKE_OTHERS, undefined, { token });
    await app.gql(EXPORT, undefined, { token });
    expect(await eventTypes(token)).toEqual([
      'DATA_EXPORTED',
      'OTHER_SESSIONS_REVOKED',
      'LOGIN_SUCCEEDED',
      'SESSION_REVOKED',
      'LOGIN_SUCCEEDED',
      'LOGIN_SUCCEEDED',
      'PASSWORD_CHANGED',
      'LOGIN_FAILED',
      'LOGIN_SUCCEEDED',
      'SIGNED_UP',
    ]);
    const edges = (await app.gql(EVENTS, { first: 100 }, { token })).body.data!.securityEvents.edges;
    const failed = edges.find((e: any) => e.node.type === 'LOGIN_FAILED').node;
    expect(failed).toMatchObject({ userAgent: 'Device/thief', sessionId: null });
    const signedUp = edges.at(-1).node;
    expect(signedUp).toMatchObject({ userAgent: 'Device/signup', sessionId: a.first.sid });
    expect(edges[0].node.sessionId).toBe(decodeJwt(token).claims.sid);
    expect(Date.now() - new Date(edges[0].node.at).getTime()).toBeLessThan(60_000);
  });

  it('records PASSWORD_CHANGED in the session changePassword starts for the device that made it', async () => {
    const a = await account();
    const phone = await a.device('phone');
    const changed = await app.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: PASSWORD, n: `${PASSWORD} 2` },
      { token: phone.token, headers: ua('phone') },
    );
    const token = changed.body.data!.changePassword.token as string;
    const sid = decodeJwt(token).claims.sid as string;
    // Every session ended, the phone's too; it goes on in a new one.
    expect(sid).not.toBe(phone.sid);
    const sessions = (await app.gql(SESSIONS, undefined, { token })).body.data!.sessions;
    expect(sessions).toEqual([expect.objectContaining({ id: sid, userAgent: 'Device/phone', current: true })]);
    await app.services.securityLog.settled();
    const edges = (await app.gql(EVENTS, { first: 1 }, { token })).body.data!.securityEvents.edges;
    // The event names that live session, the one the owner finds in their list, not the revoked one.
    expect(edges[0].node).toMatchObject({ type: 'PASSWORD_CHANGED', userAgent: 'Device/phone', sessionId: sid });
  });

  it('records logout, logoutAll, a role change and a throttled login', async () => {
    const a = await account();
    const phone = await a.device('phone');
    await app.gql(LOGOUT, { rt: phone.refreshToken });
    const adminAccount = await account();
    const adminToken = await makeAdmin(app, adminAccount.id);
    await app.gql(
      'mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }',
      { id: a.id },
      { token: adminToken },
    );
    const fresh = await a.device('fresh');
    await app.gql('mutation { logoutAll }', undefined, { token: fresh.token });
    const throttled = await createTestApp({ LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '1' }, { database: app.databaseUrl });
    try {
      for (let i = 0; i < 3; i++) await throttled.gql(LOGIN, { email: a.email, password: 'wrong password!' });
      expect((await throttled.gql(LOGIN, { email: a.email, password: 'wrong password!' })).code).toBe('RATE_LIMITED');
      await throttled.services.securityLog.settled();
    } finally {
      await throttled.close();
    }
    const last = await a.device('last');
    const types = await eventTypes(last.token);
    expect(types.slice(0, 6)).toEqual([
      'LOGIN_SUCCEEDED',
      'LOGIN_THROTTLED',
      'LOGIN_FAILED',
      'LOGGED_OUT_EVERYWHERE',
      'LOGIN_SUCCEEDED',
      'ROLE_CHANGED',
    ]);
    // Once per throttle window, however many attempts were refused.
    expect(types.filter((t) => t === 'LOGIN_THROTTLED')).toHaveLength(1);
    expect(types).toContain('LOGGED_OUT');
    const rows = await app.query(
      "SELECT details, address FROM security_events WHERE user_id = ? AND type = 'ROLE_CHANGED'",
      [a.id],
    );
    // The administrator's address and device are not the account owner's to read.
    expect(rows).toEqual([{ details: JSON.stringify({ role: 'ADMIN', by: adminAccount.id }), address: null }]);
  });

  it('records a failed login on the account without telling the client whether the account exists', async () => {
    const a = await account();
    const before = await app.query('SELECT COUNT(*) AS n FROM security_events');
    const unknown = await app.gql(LOGIN, { email: uniqueEmail('nobody'), password: 'wrong password!' });
    const known = await app.gql(LOGIN, { email: a.email, password: 'wrong password!' });
    expect(known.body).toEqual(unknown.body);
    expect(known.status).toBe(unknown.status);
    await app.services.securityLog.settled();
    const after = await app.query('SELECT COUNT(*) AS n FROM security_events');
    // Exactly one new row, on the existing account: the unknown address left nothing.
    expect(Number(after[0].n) - Number(before[0].n)).toBe(1);
    expect(await eventTypes(a.first.token)).toEqual(['LOGIN_FAILED', 'SIGNED_UP']);
  });

  it('pages newest first with cursors, and refuses a bad cursor or page size', async () => {
    const a = await account();
    for (let i = 0; i < 4; i++) await a.device(`d${i}`);
    await app.services.securityLog.settled();
    const all = await eventTypes(a.first.token);
    expect(all).toHaveLength(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const res: GqlResult = await app.gql(EVENTS, { first: 2, after }, { token: a.first.token });
      const conn = res.body.data!.securityEvents;
      seen.push(...conn.nodes.map((n: { id: string }) => n.id));
      expect(conn.pageInfo.hasNextPage).toBe(page < 2);
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort().reverse()).toEqual(seen); // ids are time-ordered: newest first
    expect((await app.gql(EVENTS, { first: 0 }, { token: a.first.token })).body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect((await app.gql(EVENTS, { first: 101 }, { token: a.first.token })).code).toBe('BAD_USER_INPUT');
    expect(
      (await app.gql(EVENTS, { after: 'garbage' }, { token: a.first.token })).body.errors?.[0]?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    // A users cursor is not an events cursor.
    // (Listing accounts needs a signed-in caller.)
    const usersCursor = (
      await app.gql('{ users(first: 1) { pageInfo { endCursor } } }', undefined, { token: a.first.token })
    ).body.data!.users.pageInfo.endCursor;
    expect((await app.gql(EVENTS, { after: usersCursor }, { token: a.first.token })).code).toBe('BAD_USER_INPUT');
  });

  it('shows each user only their own events; userSecurityEvents is for administrators', async () => {
    const a = await account();
    const b = await account();
    await app.gql(LOGIN, { email: a.email, password: 'wrong password!' });
    await app.services.securityLog.settled();
    expect(await eventTypes(b.first.token)).toEqual(['SIGNED_UP']);
    const asUser = await app.gql(USER_EVENTS, { userId: a.id }, { token: b.first.token });
    expect(asUser.code).toBe('FORBIDDEN');
    expect(asUser.body.data).toBeNull();
    expect((await app.gql(EVENTS)).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(SESSIONS)).code).toBe('UNAUTHENTICATED');
  });

  it('lets an administrator page any account’s log, and answers NOT_FOUND for an unknown account', async () => {
    const a = await account();
    await a.device('x');
    const admin = await account();
    const token = await makeAdmin(app, admin.id);
    await app.services.securityLog.settled();
    const res = await app.gql(USER_EVENTS, { userId: a.id, first: 1 }, { token });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.userSecurityEvents.nodes.map((n: { type: string }) => n.type)).toEqual(['LOGIN_SUCCEEDED']);
    const next = await app.gql(
      USER_EVENTS,
      { userId: a.id, after: res.body.data!.userSecurityEvents.pageInfo.endCursor },
      { token },
    );
    expect(next.body.data!.userSecurityEvents.nodes.map((n: { type: string }) => n.type)).toEqual(['SIGNED_UP']);
    expect((await app.gql(USER_EVENTS, { userId: '01900000-0000-7000-8000-000000000000' }, { token })).code).toBe(
      'NOT_FOUND',
    );
  });

  it('never fails the operation it records: without its table, sign-ins still work', async () => {
    const broken = await createTestApp();
    try {
      await broken.query('DROP TABLE security_events');
      const s = await broken.signup();
      const login = await broken.gql(LOGIN, { email: s.email, password: s.password });
      expect(login.body.errors).toBeUndefined();
      expect((await broken.gql(LOGIN, { email: s.email, password: 'wrong password!' })).code).toBe('UNAUTHENTICATED');
      expect((await broken.gql(REVOKE_OTHERS, undefined, { token: login.body.data!.login.token })).body.data).toEqual({
        revokeOtherSessions: 1,
      });
      await broken.services.securityLog.settled();
    } finally {
      await broken.close();
    }
  });

  it('lists every event type name in one place, each once', () => {
    expect(new Set(SECURITY_EVENT_TYPES).size).toBe(SECURITY_EVENT_TYPES.length);
    for (const t of ['SIGNED_UP', 'LOGIN_FAILED', 'REFRESH_TOKEN_REUSE_DETECTED', 'MFA_ENABLED', 'PASSWORD_RESET']) {
      expect(SECURITY_EVENT_TYPES).toContain(t);
    }
  });

  it('names every event type, and no other, in the description of SecurityEvent.type', () => {
    const type = buildSchema().getType('SecurityEvent') as GraphQLObjectType;
    const description = type.getFields().type!.description ?? '';
    const named = description.match(/\b[A-Z][A-Z_]*_[A-Z]+\b/g) ?? [];
    expect(named).toEqual([...SECURITY_EVENT_TYPES]);
  });
});

describe('retention', () => {
  it('deletes events and ended sessions older than SECURITY_LOG_RETENTION_DAYS, and keeps the rest', async () => {
    const a = await account();
    const phone = await a.device('phone');
    await app.gql(REVOKE, { id: phone.sid }, { token: a.first.token });
    await app.services.securityLog.settled();
    const old = '2020-01-01 00:00:00.000';
    await app.query("UPDATE security_events SET at = ? WHERE user_id = ? AND type = 'SIGNED_UP'", [old, a.id]);
    await app.query('UPDATE sessions SET revoked_at = ? WHERE id = ?', [old, phone.sid]);
    const deleted = await purgeExpiredSecurityData(app.services);
    expect(deleted.events).toBeGreaterThanOrEqual(1);
    expect(deleted.sessions).toBeGreaterThanOrEqual(1);
    expect(await eventTypes(a.first.token)).toEqual(['SESSION_REVOKED', 'LOGIN_SUCCEEDED']);
    expect(await app.query('SELECT id FROM sessions WHERE user_id = ?', [a.id])).toEqual([{ id: a.first.sid }]);
    // A live session is kept however old it is; the signed-in device goes on.
    expect((await app.gql(ME, undefined, { token: a.first.token })).body.errors).toBeUndefined();
  });

  it('reads its period from SECURITY_LOG_RETENTION_DAYS (default 90) and refuses nonsense', () => {
    expect(loadConfig({}).securityLog.retentionDays).toBe(90);
    expect(loadConfig({ SECURITY_LOG_RETENTION_DAYS: '7' }).securityLog.retentionDays).toBe(7);
    expect(() => loadConfig({ SECURITY_LOG_RETENTION_DAYS: '0' })).toThrow(/SECURITY_LOG_RETENTION_DAYS/);
    expect(() => loadConfig({ SECURITY_LOG_RETENTION_DAYS: 'forever' })).toThrow(/SECURITY_LOG_RETENTION_DAYS/);
  });
});

describe('exportMyData', () => {
  it('answers the account, its sessions and its security log as one JSON document, and no secret', async () => {
    const a = await account();
    const phone = await a.device('phone');
    await app.gql(REVOKE, { id: phone.sid }, { token: a.first.token });
    await app.services.securityLog.settled();
    const res = await app.gql(EXPORT, undefined, { token: a.first.token });
    expect(res.body.errors).toBeUndefined();
    const doc = res.body.data!.exportMyData;
    expect(doc).toMatchObject({
      format: 'graphql-auth-api/account-export@1',
      account: { id: a.id, email: a.email, name: 'S', role: 'USER' },
    });
    expect(Object.keys(doc.account).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role', 'updatedAt']);
    expect(doc.sessions).toHaveLength(2);
    expect(doc.sessions.find((s: any) => s.id === a.first.sid)).toMatchObject({ current: true, revokedAt: null });
    expect(doc.sessions.find((s: any) => s.id === phone.sid)).toMatchObject({
      current: false,
      userAgent: 'Device/phone',
    });
    expect(doc.sessions.find((s: any) => s.id === phone.sid).revokedAt).toEqual(expect.any(String));
    expect(doc.securityEvents.map((e: any) => e.type)).toEqual(['SESSION_REVOKED', 'LOGIN_SUCCEEDED', 'SIGNED_UP']);
    expect(doc.securityEvents[0].details).toEqual({ revokedSessionId: phone.sid });
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/argon2|password|token_?version|refresh/i);
    expect(text).not.toContain(a.first.refreshToken);
  });

  it('deleting the account deletes its sessions and its security events', async () => {
    const a = await account();
    await a.device('phone');
    await app.services.securityLog.settled();
    expect((await app.query('SELECT id FROM sessions WHERE user_id = ?', [a.id])).length).toBe(2);
    await app.gql('mutation { deleteUser { id } }', undefined, { token: a.first.token });
    expect(await app.query('SELECT id FROM sessions WHERE user_id = ?', [a.id])).toEqual([]);
    expect(await app.query('SELECT id FROM security_events WHERE user_id = ?', [a.id])).toEqual([]);
  });
});
