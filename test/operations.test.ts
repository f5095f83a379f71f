import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, LOGIN, ME, SIGNUP, uniqueEmail, type TestApp } from './helpers/app.js';
import { databasePerFile, dbKind, dropPostgresDatabase } from './helpers/db.js';
import { startServer, type SpawnedServer } from './helpers/server.js';

// Real servers (node --import tsx src/main.ts) on this project's database: SQLite, and PostgreSQL
// when TEST_DATABASE_URL is set. Checks that do not depend on the database run in the sqlite project only.
const file = databasePerFile('ops');

/** Starts a POST /graphql, sends the headers and the first half of the body, and holds the rest. */
function halfSentRequest(url: string, body: string) {
  const u = new URL(`${url}/graphql`);
  const data = Buffer.from(body);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'POST',
    // Keep-alive, as a proxy's connection pool would: draining must not wait for it to idle out.
    agent: new http.Agent({ keepAlive: true }),
    headers: { 'content-type': 'application/json', 'content-length': data.length, 'x-request-id': 'slow-one' },
  });
  const response = new Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.write(data.subarray(0, data.length >> 1));
  return { response, finish: () => req.end(data.subarray(data.length >> 1)), abort: () => req.destroy() };
}

describe(`GET /health and GET /ready (${dbKind})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('both answer 200 while the database answers; /ready turns 503 when it is gone, /health stays 200', async () => {
    expect((await app.yoga.fetch('http://localhost/health')).status).toBe(200);
    expect((await app.yoga.fetch('http://localhost/ready')).status).toBe(200);
    if (app.dbKind === 'postgres') {
      // Really gone: every session ended and the database dropped under the running app.
      await dropPostgresDatabase(app.databaseUrl);
    } else {
      await app.dataSource.destroy();
    }
    const ready = await app.yoga.fetch('http://localhost/ready');
    expect(ready.status).toBe(503);
    const health = await app.yoga.fetch('http://localhost/health');
    expect(health.status).toBe(200);
    // A query now fails masked, without taking anything down.
    const write = await app.gql(SIGNUP, { input: { name: 'X', email: uniqueEmail(), password: 'whatever pass' } });
    expect(write.body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(write.body)).not.toMatch(/sqlite|postgres|database|SELECT|INSERT/i);
  });
});

describe(`SIGTERM (${dbKind})`, () => {
  it('finishes a request in flight, refuses new connections, closes the database and exits 0', async () => {
    // debug: Yoga logs when it starts reading a request, which tells us this one is in flight.
    const server = await startServer({ DATABASE_URL: file.db.url, LOG_LEVEL: 'debug' });
    const email = uniqueEmail('drain');
    const slow = halfSentRequest(
      server.url,
      JSON.stringify({ query: SIGNUP, variables: { input: { name: 'Drain', email, password: 'drain password' } } }),
    );
    // The server has the headers and half a body: the request is in flight.
    await server.waitForLine((l) => l.includes('"requestId":"slow-one"'));
    const started = Date.now();
    server.proc.kill('SIGTERM');
    await server.waitForLine((l) => l.includes('SIGTERM: draining'));
    // No new connections once draining...
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    expect(server.proc.exitCode).toBeNull();
    // ...but the one in flight completes, its write included.
    slow.finish();
    const res = await slow.response;
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.signup.user.email).toBe(email);
    expect(res.headers['x-request-id']).toBe('slow-one');
    const answered = Date.now();
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // The client keeps its connection alive: the drain must close it, not wait for keepAliveTimeout (5 s).
    expect(Date.now() - answered).toBeLessThan(3000);
    expect(Date.now() - started).toBeLessThan(10_000);
    const msgs = server.logs().map((l) => l.msg);
    expect(msgs).toContain('SIGTERM: draining');
    expect(msgs.filter((m) => m !== 'request' && !/^(Processing|Parsing)/.test(m)).at(-1)).toBe('stopped');
    expect(msgs).not.toContain('shutdown timeout: closing remaining connections');
    // The pool closed by itself, within its bound.
    expect(msgs.filter((m) => /database did not close|closing the database failed/.test(m))).toEqual([]);

    // The drained signup was committed: the app, opened again on that database, logs the account in.
    const reopened = await createTestApp({}, { database: file.db.url });
    try {
      const login = await reopened.gql(LOGIN, { email, password: 'drain password' });
      expect(login.body.errors).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });

  // Does not depend on the database: run once, in the sqlite project.
  it.skipIf(dbKind !== 'sqlite')(
    'gives up on a request that never finishes after SHUTDOWN_TIMEOUT and still exits 0',
    async () => {
      const server = await startServer({ DATABASE_URL: file.db.url, SHUTDOWN_TIMEOUT: '1', LOG_LEVEL: 'debug' });
      const stuck = halfSentRequest(server.url, JSON.stringify({ query: ME }));
      stuck.response.catch(() => {}); // the server cuts it off
      await server.waitForLine((l) => l.includes('"requestId":"slow-one"'));
      const started = Date.now();
      const exit = await server.stop('SIGTERM');
      const took = Date.now() - started;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(8000); // 1 s of grace, then closing; generous for a loaded machine
      expect(server.logs().map((l) => l.msg)).toContain('shutdown timeout: closing remaining connections');
      stuck.abort();
    },
  );
});

// What is logged does not depend on the database: run once, in the sqlite project.
describe.skipIf(dbKind !== 'sqlite')('logs of a running server (sqlite project only)', () => {
  let server: SpawnedServer;
  afterAll(async () => {
    if (server) await server.stop();
  });

  it('are JSON lines in production, carry the request id, and never contain a password or a token', async () => {
    server = await startServer({ DATABASE_URL: file.db.url, LOG_LEVEL: 'debug' });
    const password = 'Tr0ub4dor&3-secret-pw';
    const email = uniqueEmail('logs');
    const signup = await server.gql(
      SIGNUP,
      { input: { name: 'Logs', email, password } },
      { headers: { 'x-request-id': 'req-signup-1' } },
    );
    expect(signup.headers.get('x-request-id')).toBe('req-signup-1');
    const signupToken = signup.body.data!.signup.token as string;
    const login = await server.gql(LOGIN, { email, password });
    const loginToken = login.body.data!.login.token as string;
    const wrong = await server.gql(LOGIN, { email, password: `${password}-wrong` });
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // A token that is well-formed but signed with another key, and one that is garbage.
    const [h, c] = signupToken.split('.');
    const forged = `${h}.${c}.${Buffer.from('forged-signature-bytes-here').toString('base64url')}`;
    const bad = await server.gql(ME, undefined, { token: forged, headers: { 'x-request-id': 'req-bad-token' } });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await server.gql(ME, undefined, { token: 'not-a-jwt-but-secret-looking-garbage' });
    const me = await server.gql(ME, undefined, { token: loginToken });
    expect(me.body.data?.me.email).toBe(email);
    const badHeader = await server.gql(ME, undefined, { headers: { authorization: `Token ${loginToken}` } });
    expect(badHeader.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await server.stop();
    const text = server.lines.join('\n');
    for (const secret of [
      password,
      `${password}-wrong`,
      signupToken,
      loginToken,
      forged,
      'not-a-jwt-but-secret-looking-garbage',
    ]) {
      expect(text).not.toContain(secret);
    }
    // No token signature part either, in case a token was split up somewhere.
    for (const t of [signupToken, loginToken]) expect(text).not.toContain(t.split('.')[2]);
    expect(text).not.toContain('$argon2');

    // Every line is one JSON object with time, level and msg.
    const logs = server.logs();
    expect(logs).toHaveLength(server.lines.filter((l) => l.trim() !== '').length);
    for (const l of logs)
      expect(l).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) });
    // Lines written while handling a request carry its id.
    const requests = logs.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(7);
    for (const r of requests) expect(r.requestId).toEqual(expect.any(String));
    expect(logs.filter((l) => l.requestId === 'req-signup-1').map((l) => l.msg)).toEqual(
      expect.arrayContaining(['signup', 'request']),
    );
    expect(logs.find((l) => l.requestId === 'req-bad-token' && l.msg === 'token refused')).toMatchObject({
      problem: 'invalid',
    });
    // The app's and Yoga's lines about a request all carry an id (start-up and shutdown lines have none).
    const perRequest = [
      'signup',
      'login failed',
      'token refused',
      'request',
      'Parsing request to extract GraphQL parameters',
    ];
    const handled = logs.filter((l) => perRequest.includes(l.msg));
    expect(new Set(handled.map((l) => l.msg))).toEqual(new Set(perRequest));
    for (const l of handled) expect(l.requestId, JSON.stringify(l)).toEqual(expect.any(String));
  });

  it('reach stderr on a quiet server without a batch filling up, in the order they were written', async () => {
    const quiet = await startServer({ DATABASE_URL: file.db.url });
    try {
      for (const id of ['quiet-1', 'quiet-2', 'quiet-3'])
        await quiet.gql('{ __typename }', undefined, { headers: { 'x-request-id': id } });
      // Three short lines are far from a 4 KiB batch: only the 100 ms flush can write them, and the
      // server is still running (no shutdown flush).
      await quiet.waitForLine((l) => l.includes('"requestId":"quiet-3"') && l.includes('"msg":"request"'), 5000);
      const ids = quiet
        .logs()
        .filter((l) => l.msg === 'request')
        .map((l) => l.requestId);
      expect(ids).toEqual(['quiet-1', 'quiet-2', 'quiet-3']);
    } finally {
      await quiet.stop();
    }
  });

  it('are readable text lines in development', async () => {
    const dev = await startServer({ DATABASE_URL: file.db.url, NODE_ENV: 'development' });
    await dev.gql(ME, undefined, { headers: { 'x-request-id': 'dev-req' } });
    await dev.stop();
    const started = dev.lines.find((l) => l.includes('listening on'))!;
    expect(started).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening on 127\.0\.0\.1:\d+/);
    expect(dev.lines.find((l) => l.includes(' request '))).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request \{"requestId":"dev-req",/,
    );
  });
});
