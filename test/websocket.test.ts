import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOperationAST } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { attachWebSocket, CLOSE_TOKEN_REFUSED, type EnvelopedApp } from '../src/ws/server.js';
import { createTestApp } from './helpers/app.js';
import { type HttpTestApp, startHttpApp } from './helpers/http.js';
import { respellings, tamperSignature } from './helpers/jwt.js';
import { readScrape } from './helpers/prometheus.js';
import { startServer } from './helpers/server.js';
import { rawUpgrade, until, wsSubscribe } from './helpers/ws.js';

const SUBSCRIBE = 'subscription { accountEvents { kind user { name } } }';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('graphql-ws on /graphql', () => {
  let server: HttpTestApp;
  beforeAll(async () => {
    server = await startHttpApp();
  });
  afterAll(() => server.close());

  it('refuses the subscription without a token: UNAUTHENTICATED, as over HTTP', async () => {
    const s = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE });
    await s.done;
    expect(s.results).toHaveLength(1);
    expect(s.results[0]?.errors?.[0]).toMatchObject({
      message: 'Authentication required: send Authorization: Bearer <token>',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await s.dispose();
  });

  it('closes with 4403 and the reason when the token in connectionParams is refused', async () => {
    const user = await server.app.signup();
    const cases: Array<[Record<string, unknown>, string]> = [
      [bearer(tamperSignature(user.token)), 'Invalid token'],
      [{ authorization: 'Token abc' }, 'Malformed Authorization header: expected "Bearer <token>"'],
      // Another spelling of the valid token (padding, set padding bits): the same canonical-form rule as HTTP.
      ...respellings(user.token).map((t): [Record<string, unknown>, string] => [bearer(t), 'Invalid token']),
    ];
    for (const [connectionParams, reason] of cases) {
      const s = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams });
      expect(await s.closed).toEqual({ code: CLOSE_TOKEN_REFUSED, reason });
      expect(s.results).toEqual([]);
    }
    // A deleted account's token: the same "user gone" rule as HTTP (src/auth/authenticate.ts).
    await server.app.gql('mutation { deleteUser { id } }', undefined, { token: user.token });
    const gone = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(user.token) });
    expect(await gone.closed).toEqual({ code: CLOSE_TOKEN_REFUSED, reason: 'Invalid token' });
  });

  it("delivers the caller's events, and logoutAll ends the connection (4403, revoked)", async () => {
    const user = await server.app.signup();
    const s = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(user.token) });
    await s.connected;
    // The subscription attaches after connection_ack; give it a moment, then act over HTTP.
    await new Promise((r) => setTimeout(r, 100));
    await server.app.gql('mutation { updateMe(input: { name: "Over WS" }) { id } }', undefined, { token: user.token });
    await until(() => s.results.length >= 1);
    expect(s.results[0]).toEqual({ data: { accountEvents: { kind: 'PROFILE_UPDATED', user: { name: 'Over WS' } } } });

    await server.app.gql('mutation { logoutAll }', undefined, { token: user.token });
    expect(await s.closed).toEqual({ code: CLOSE_TOKEN_REFUSED, reason: 'Token has been revoked' });
    // No UNAUTHENTICATED error message reached the subscription: it ended with the close.
    expect(s.results.filter((r) => r.errors)).toEqual([]);
    expect(await s.done).toMatchObject({ code: CLOSE_TOKEN_REFUSED });
  });

  it("does not deliver other accounts' events", async () => {
    const me = await server.app.signup();
    const other = await server.app.signup();
    const s = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(me.token) });
    await s.connected;
    await new Promise((r) => setTimeout(r, 100));
    await server.app.gql('mutation { updateMe(input: { name: "Other" }) { id } }', undefined, { token: other.token });
    await server.app.gql('mutation { updateMe(input: { name: "Mine" }) { id } }', undefined, { token: me.token });
    await until(() => s.results.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.results.map((r) => r.data?.accountEvents.user.name)).toEqual(['Mine']);
    await s.dispose();
  });

  it('carries subscriptions only: a query gets BAD_USER_INPUT and the connection stays', async () => {
    const user = await server.app.signup();
    const s = wsSubscribe(server.wsEndpoint, { query: '{ me { id } }', connectionParams: bearer(user.token) });
    const error = (await s.done) as Array<{ message: string; extensions: { code: string } }>;
    expect(error[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(error[0]?.message).toMatch(/POST \/graphql/);
    await s.dispose();
  });

  it('answers 404 to an upgrade on any other path', async () => {
    expect(await rawUpgrade(server.wsEndpoint.replace('/graphql', '/other'))).toEqual({ status: 404 });
  });
});

describe('a failure of ours while a subscription is parsed or validated', () => {
  it('is logged as one line and answered as the masked error; the socket and its next subscription go on', async () => {
    const lines: string[] = [];
    const app = await createTestApp(
      {},
      { logger: createLogger({ level: 'error', json: true, write: (l) => lines.push(l) }) },
    );
    // The app's envelop, with a validation step that fails (a bug, not a refusal) for one operation.
    const broken: EnvelopedApp = {
      getEnveloped(initial) {
        const enveloped = app.yoga.getEnveloped(initial);
        return {
          ...enveloped,
          validate(schema, document) {
            if (getOperationAST(document)?.name?.value === 'Broken') throw new TypeError('a validation rule broke');
            return enveloped.validate(schema, document);
          },
        };
      },
    };
    const server = createServer();
    const websocket = attachWebSocket(server, broken, app.services);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const s = wsSubscribe(url, { query: 'subscription Broken { accountEvents { kind } }' });
      let closed = false;
      void s.closed.then(() => (closed = true));
      expect(await s.done).toEqual([{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      const next = await new Promise((resolve) =>
        s.client.subscribe(
          { query: SUBSCRIBE },
          { next: (r) => resolve(r.errors), error: resolve, complete: () => {} },
        ),
      );
      expect(next).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
      // The same socket: graphql-ws closes it (4500) when onSubscribe throws.
      expect(closed).toBe(false);
      const logged = lines.map((l) => JSON.parse(l));
      expect(logged).toEqual([
        expect.objectContaining({
          msg: 'unexpected error',
          err: expect.objectContaining({ message: 'a validation rule broke' }),
        }),
      ]);
      await s.dispose();
    } finally {
      await websocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    }
  });
});

describe('expiry', () => {
  let server: HttpTestApp;
  beforeAll(async () => {
    server = await startHttpApp({ env: { JWT_EXPIRES_IN: '2', JWT_CLOCK_TOLERANCE: '0' } });
  });
  afterAll(() => server.close());

  it('ends the connection when the token it opened with expires (4403, "Token expired")', async () => {
    const user = await server.app.signup();
    const started = Date.now();
    const s = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(user.token) });
    await s.connected;
    expect(await s.closed).toEqual({ code: CLOSE_TOKEN_REFUSED, reason: 'Token expired' });
    expect(Date.now() - started).toBeLessThan(4000);
    // The subscription ended with the close (which graphql-ws clients retry), not with an error
    // message that would complete it: the stream's own "Token expired" error was never sent.
    expect(s.results).toEqual([]);
    expect(await s.done).toMatchObject({ code: CLOSE_TOKEN_REFUSED });
    // And an expired token cannot open a new one.
    const again = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(user.token) });
    expect(await again.closed).toEqual({ code: CLOSE_TOKEN_REFUSED, reason: 'Token expired' });
  });
});

describe('Origin', () => {
  let server: HttpTestApp;
  beforeAll(async () => {
    server = await startHttpApp({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(() => server.close());

  it('refuses an Origin that CORS refuses (403, no WebSocket), accepts a listed one, the same host, and none', async () => {
    expect(await rawUpgrade(server.wsEndpoint, { origin: 'https://evil.example.com' })).toEqual({ status: 403 });
    expect(await rawUpgrade(server.wsEndpoint, { origin: 'null' })).toEqual({ status: 403 });
    expect(await rawUpgrade(server.wsEndpoint, { origin: 'https://app.example.com' })).toEqual({ status: 101 });
    expect(await rawUpgrade(server.wsEndpoint, { origin: server.origin })).toEqual({ status: 101 });
    expect(await rawUpgrade(server.wsEndpoint)).toEqual({ status: 101 });
    // The HTTP side refuses it alike: no CORS headers for that origin.
    const res = await fetch(server.endpoint, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('connection caps', () => {
  let server: HttpTestApp;
  beforeAll(async () => {
    server = await startHttpApp({ env: { WS_MAX_CONNECTIONS: '4', WS_MAX_CONNECTIONS_PER_USER: '2' } });
  });
  afterAll(() => server.close());

  it('caps connections per account (4403 "Too many connections") and in total (503)', async () => {
    const a = await server.app.signup();
    const b = await server.app.signup();
    const open = (token: string) =>
      wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(token) });
    const a1 = open(a.token);
    const a2 = open(a.token);
    await Promise.all([a1.connected, a2.connected]);
    const a3 = open(a.token);
    expect(await a3.closed).toEqual({ code: CLOSE_TOKEN_REFUSED, reason: 'Too many connections' });

    // Another account has its own share; the total (4) counts every socket.
    const b1 = open(b.token);
    const b2 = open(b.token);
    await Promise.all([b1.connected, b2.connected]);
    expect(await rawUpgrade(server.wsEndpoint)).toEqual({ status: 503 });

    // Closing one frees its place.
    await a1.dispose();
    await a1.closed;
    await until(() => server.websocket.open() === 3);
    const a4 = open(a.token);
    await a4.connected;
    for (const s of [a2, a4, b1, b2]) await s.dispose();
  });
});

describe('metrics', () => {
  it('counts WebSocket connections by outcome and shows how many are open', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const server = await startHttpApp({ env: { METRICS_TOKEN: token, CORS_ORIGINS: 'https://app.example.com' } });
    try {
      const user = await server.app.signup();
      const s = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer(user.token) });
      await s.connected;
      await rawUpgrade(server.wsEndpoint, { origin: 'https://evil.example.com' });
      const bad = wsSubscribe(server.wsEndpoint, { query: SUBSCRIBE, connectionParams: bearer('x.y.z') });
      await bad.closed;
      const res = await fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      const scrape = readScrape(await res.text());
      expect(scrape.value('auth_websocket_connections_total', { outcome: 'accepted' })).toBe(1);
      expect(scrape.value('auth_websocket_connections_total', { outcome: 'origin_refused' })).toBe(1);
      expect(scrape.value('auth_websocket_connections_total', { outcome: 'token_refused' })).toBe(1);
      expect(scrape.value('auth_websocket_connections_open')).toBe(1);
      // graphql_envelop_request counts a subscription when it ends.
      await s.dispose();
      await until(() => server.websocket.open() === 0);
      const after = readScrape(
        await (await fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text(),
      );
      const sub = { operationType: 'subscription', operation: 'accountEvents' };
      expect(after.value('graphql_envelop_request', sub)).toBe(1);
      expect(after.value('auth_websocket_connections_open')).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('the real server (npm start)', () => {
  it('serves graphql-ws on its port, and SIGTERM closes the connection with 1001 Going Away', async () => {
    const server = await startServer();
    try {
      const res = await server.gql<{ signup: { token: string } }>(
        'mutation($input: SignupInput!) { signup(input: $input) { token } }',
        { input: { name: 'Spawned', email: `ws-${Date.now()}@example.com`, password: 'correct horse battery' } },
      );
      const token = res.body.data!.signup.token;
      const s = wsSubscribe(`${server.url.replace('http', 'ws')}/graphql`, {
        query: SUBSCRIBE,
        connectionParams: bearer(token),
      });
      await s.connected;
      await new Promise((r) => setTimeout(r, 100));
      await server.gql('mutation { updateMe(input: { name: "Spawned 2" }) { id } }', undefined, { token });
      await until(() => s.results.length >= 1);
      expect(s.results[0]?.data?.accountEvents.kind).toBe('PROFILE_UPDATED');
      void server.stop();
      expect((await s.closed).code).toBe(1001);
      expect((await server.exited).code).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
