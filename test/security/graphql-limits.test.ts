import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';
import { until, wsSubscribe } from '../helpers/ws.js';

// GraphQL Armor's protections with their defaults, plus our own credential rule, over HTTP (and
// WebSocket, at the end).
let dev: SpawnedServer;
let prod: SpawnedServer;
let D: ReturnType<typeof httpClient>;
let P: ReturnType<typeof httpClient>;

beforeAll(async () => {
  [dev, prod] = await Promise.all([
    startServer({ NODE_ENV: 'development', GRAPHQL_MAX_DEPTH: '3' }),
    startServer({ NODE_ENV: 'production', JWT_SECRET: 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0aQ-prod-test-key' }),
  ]);
  D = httpClient(dev.url);
  P = httpClient(prod.url);
});
afterAll(async () => {
  await Promise.all([dev?.stop(), prod?.stop()]);
});

const refused = (res: { body: any }) => res.body?.errors?.[0];

describe('query limits', () => {
  it('refuses a query deeper than GRAPHQL_MAX_DEPTH, through fragments too', async () => {
    // This schema is at most 4 deep, so the dev server here runs with GRAPHQL_MAX_DEPTH=3
    // (default 6) to show the limit at work.
    const { token } = await D.signup();
    expect((await D.gql('{ users { edges { cursor } } }', undefined, { token })).body.errors).toBeUndefined();
    const deep = await D.gql('{ users { edges { node { id } } } }');
    expect(refused(deep)).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(refused(deep).message).toMatch(/depth/i);
    const viaFragments = `
      query { users { ...A } }
      fragment A on UserConnection { edges { ...B } }
      fragment B on UserEdge { node { id } }
    `;
    expect(refused(await D.gql(viaFragments))?.message).toMatch(/depth/i);
  });

  it('refuses more than 15 aliases', async () => {
    const q = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: user(id: "x") { id }`).join(' ')} }`;
    expect(refused(await D.gql(q))).toMatchObject({
      message: expect.stringMatching(/aliases/i),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const ok = `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: user(id: "x") { id }`).join(' ')} }`;
    expect((await D.gql(ok)).body.errors).toBeUndefined();
  });

  it('refuses more than 1000 tokens', async () => {
    const q = `{ ${Array.from({ length: 300 }, () => 'user(id: "x") { id }').join(' ')} }`;
    expect(refused(await D.gql(q))).toMatchObject({
      message: expect.stringMatching(/token limit/i),
      extensions: { code: expect.any(String) },
    });
  });

  it('refuses more than 50 directives', async () => {
    const q = `{ __typename ${'@include(if: true) '.repeat(51)} }`;
    expect(refused(await D.gql(q))).toMatchObject({
      message: expect.stringMatching(/directive/i),
      extensions: { code: expect.any(String) },
    });
  });

  it('refuses a query over the cost limit', async () => {
    const fields = 'id name email role createdAt';
    const q = `{ ${Array.from({ length: 15 }, (_, i) => `u${i}: users(first: 100) { edges { cursor node { ${fields} } } nodes { ${fields} } pageInfo { hasNextPage endCursor } totalCount }`).join(' ')} }`;
    expect(refused(await D.gql(q))).toMatchObject({
      message: expect.stringMatching(/cost/i),
      extensions: { code: expect.any(String) },
    });
  });

  it('allows one login per request however aliased, before any password is checked', async () => {
    const u = await D.signup();
    const guesses = ['wrong-one-xx', 'wrong-two-xx', u.password];
    const q = `mutation { ${guesses.map((p, i) => `g${i}: login(email: "${u.email}", password: "${p}") { token }`).join(' ')} }`;
    const res = await D.gql(q);
    expect(res.body.data).toBeUndefined();
    expect(refused(res)).toMatchObject({
      message: expect.stringMatching(
        /^Only one (?=.*\bsignup\b)(?=.*\blogin\b)(?=.*\bchangePassword\b)(?=.*\brefresh\b).* per request$/,
      ),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(JSON.stringify(res.body)).not.toContain('eyJ');
  });

  it('refuses a batched array of operations', async () => {
    const res = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('refuses a body over MAX_BODY_BYTES (100 KB) before reading it', async () => {
    const res = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(110 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('schema exposure', () => {
  it('in development, introspection and field suggestions stay on (GraphiQL and codegen need them)', async () => {
    expect((await D.gql('{ __schema { queryType { name } } }')).body.data.__schema.queryType.name).toBe('Query');
    expect(refused(await D.gql('{ mee { id } }'))?.message).toContain('Did you mean "me"?');
  });

  it('in production, introspection is off and field suggestions are hidden', async () => {
    const intro = await P.gql('{ __schema { types { name } } }');
    expect(intro.body.data).toBeUndefined();
    expect(refused(intro)?.message).toMatch(/introspection/i);
    const typo = refused(await P.gql('{ mee { id } }'));
    expect(typo?.message).not.toContain('Did you mean');
    expect(typo?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('in production, GraphiQL is not served', async () => {
    const res = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toContain('YogaGraphiQL');
  });
});

/** What one more subscription on `client`'s socket ends with: its errors, or the close that ended it. */
function outcome(client: Client, query: string): Promise<unknown> {
  return new Promise((resolve) =>
    client.subscribe(
      { query },
      {
        next: (r) => resolve(r.errors),
        error: (e) =>
          resolve(Array.isArray(e) ? e : { closed: (e as CloseEvent).code, reason: (e as CloseEvent).reason }),
        complete: () => resolve(undefined),
      },
    ),
  );
}

describe('over WebSocket', () => {
  // GraphQL Armor's alias and directive limits throw from validation, its token limit from parsing.
  const LIMITED: Array<[string, string, unknown]> = [
    [
      'aliases',
      `subscription { accountEvents { ${Array.from({ length: 16 }, (_, i) => `a${i}: kind`).join(' ')} } }`,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'directives',
      `subscription { accountEvents { kind ${'@include(if: true) '.repeat(51)}} }`,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    ['tokens', `subscription { accountEvents { ${'kind '.repeat(1000)}} }`, expect.any(String)],
  ];

  it('answers each limit as HTTP does, keeps the socket and its other subscriptions, and logs no stack', async () => {
    const { token } = await P.signup();
    const logged = prod.lines.length;
    const s = wsSubscribe(`${prod.url.replace('http', 'ws')}/graphql`, {
      query: 'subscription { accountEvents { kind } }',
      connectionParams: { authorization: `Bearer ${token}` },
    });
    await s.connected;
    for (const [limit, query, code] of LIMITED) {
      const http = await P.gql(query, undefined, { token });
      expect(refused(http), limit).toMatchObject({ message: expect.stringMatching(/limit/i), extensions: { code } });
      // The same errors, code and message, as over HTTP; not a close (4500) of the whole socket.
      expect(await outcome(s.client, query), limit).toEqual(http.body.errors);
    }
    // The subscription opened before them still runs on the same socket.
    await P.gql('mutation { updateMe(input: { name: "Still here" }) { id } }', undefined, { token });
    await until(() => s.results.length >= 1);
    expect(s.results).toEqual([{ data: { accountEvents: { kind: 'PROFILE_UPDATED' } } }]);
    await s.dispose();
    expect((await s.closed).code).toBe(1000);
    // The production log stays JSON, one line per entry: no graphql-ws "Internal error" and stack.
    const lines = prod.lines.slice(logged);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.join('\n')).not.toContain('Internal error');
  });

  it('closes on a frame over MAX_BODY_BYTES (1009) and a broken frame (1002), and logs each as one JSON line', async () => {
    const logged = prod.lines.length;
    const closeOf = (send: (socket: WebSocket) => void) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${prod.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        socket.once('open', () => send(socket));
        socket.once('close', (code) => resolve(code));
        socket.once('error', () => {});
        setTimeout(() => reject(new Error('no close')), 5000).unref();
      });
    // No token, no connection_init: anyone can send these.
    expect(await closeOf((socket) => socket.send('x'.repeat(101 * 1024)))).toBe(1009);
    // A frame with a reserved bit set, written on the raw socket under the library.
    expect(
      await closeOf((socket) =>
        (socket as unknown as { _socket: import('node:net').Socket })._socket.write(
          Buffer.from([0xf1, 0x80, 0, 0, 0, 0]),
        ),
      ),
    ).toBe(1002);
    await until(() => prod.lines.length > logged);
    const lines = prod.lines.slice(logged);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });
});
