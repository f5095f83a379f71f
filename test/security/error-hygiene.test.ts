import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';
import { wsSubscribe } from '../helpers/ws.js';

// What error messages give away: schema hints in production, and the client's own secrets anywhere.
let prod: SpawnedServer;
let dev: SpawnedServer;
let P: ReturnType<typeof httpClient>;
let D: ReturnType<typeof httpClient>;

beforeAll(async () => {
  [prod, dev] = await Promise.all([startServer(), startServer({ NODE_ENV: 'development' })]);
  P = httpClient(prod.url);
  D = httpClient(dev.url);
});
afterAll(async () => {
  await Promise.all([prod?.stop(), dev?.stop()]);
});

const SIGNUP = 'mutation($input: SignupInput!) { signup(input: $input) { token } }';

// Requests that go wrong in every phase: validation (literals, unknown names), variable coercion
// (unknown input fields, enum values, wrong types), execution.
const HINTED: Array<[string, string, Record<string, unknown>?]> = [
  ['unknown input field in a variable', SIGNUP, { input: { name: 'a', email: 'a@example.com', pasword: 'x' } }],
  ['enum value in a variable', 'mutation($r: Role!) { setUserRole(id: "1", role: $r) { id } }', { r: 'ADMN' }],
  ['enum value as a literal', 'mutation { setUserRole(id: "1", role: ADMN) { id } }'],
  ['unknown input field as a literal', 'mutation { signup(input: { name: "a", email: "b", pasword: "x" }) { token } }'],
  ['unknown argument', 'mutation { login(email: "a", pasword: "x") { token } }'],
  ['unknown field', '{ mee { id } }'],
  ['unknown type', 'mutation($i: SignupInpt!) { signup(input: $i) { token } }', { i: {} }],
  ['unknown field on a fragment', '{ me { ...F } } fragment F on User { emial }'],
  ['unknown fragment type', '{ me { ... on Usr { id } } }'],
];

describe('no schema hints in production', () => {
  it.each(HINTED)('%s: a clear error with a code, no "Did you mean"', async (_label, query, variables) => {
    const res = await P.gql(query, variables);
    expect(res.body.errors?.length).toBeGreaterThan(0);
    for (const e of res.body.errors) expect(e.extensions?.code).toEqual(expect.any(String));
    expect(res.text).not.toMatch(/did you mean|suggestion/i);
    expect(res.text).not.toContain('ADMIN');
    expect(res.text).not.toContain('"password"');
  });

  it('development keeps the suggestions (GraphiQL users want them)', async () => {
    const res = await D.gql(...(HINTED[1]!.slice(1) as [string, Record<string, unknown>]));
    expect(res.text).toContain('Did you mean the enum value \\"ADMIN\\"?');
  });

  it('a body that is not JSON answers 400 with a code and none of the parser internals', async () => {
    const body = '{"query": "mutation { login(email: \\"a\\", password: \\"Pr1vate-Body-Secret\\") { token } }", ';
    const res = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(text).not.toContain('Pr1vate-Body-Secret');
    expect(text).not.toMatch(/originalError|SyntaxError|position/);
  });
});

const SECRET = 'Tr0ub4dor&3-never-echo';
const NUMBER = 98765432;

// Each one makes graphql-js build a message from the value sent.
const SECRETIVE: Array<[string, string, Record<string, unknown>?]> = [
  [
    'whole signup input echoed for an unknown field',
    SIGNUP,
    { input: { name: 'a', email: 'a@b.co', password: SECRET, x: 1 } },
  ],
  ['signup input with the wrong type', SIGNUP, { input: { name: 'a', email: 'a@b.co', password: [SECRET] } }],
  ['a misspelt field holding the password', SIGNUP, { input: { name: 'a', email: 'a@b.co', pwd: SECRET } }],
  [
    'a number for a password variable under another name',
    'mutation($p: String!) { login(email: "a@b.co", password: $p) { token } }',
    { p: NUMBER },
  ],
  ['a number literal for a password', `mutation { login(email: "a@b.co", password: ${NUMBER}) { token } }`],
  [
    'an object for a refresh token',
    'mutation($t: String) { refresh(refreshToken: $t) { token } }',
    { t: { v: SECRET } },
  ],
  ['an enum-like literal for a password', 'mutation { login(email: "a@b.co", password: Tr0ub4dor) { token } }'],
  [
    'a list literal for the new password',
    `mutation { changePassword(currentPassword: "${SECRET}", newPassword: ["${SECRET}"]) { token } }`,
  ],
  [
    'a secret in an unknown argument named like a code',
    `mutation { login(email: "a@b.co", password: "x", code: ${NUMBER}) { token } }`,
  ],
];

describe('a submitted secret never comes back', () => {
  it.each(SECRETIVE)('%s', async (_label, query, variables) => {
    for (const client of [P, D]) {
      const res = await client.gql(query, variables);
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain('Tr0ub4dor');
      expect(res.text).not.toContain(String(NUMBER));
    }
  });

  it('the message still says what is wrong', async () => {
    const res = await P.gql(SIGNUP, { input: { name: 'a', email: 'a@b.co', password: SECRET, x: 1 } });
    expect(res.body.errors[0]).toMatchObject({
      message: 'Variable "$input" got invalid value; Field "x" is not defined by type "SignupInput".',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

/** A subscription's errors over WebSocket: in graphql-ws's `error` message, or in a `next` result. */
async function overWebSocket(server: SpawnedServer, query: string, variables?: Record<string, unknown>) {
  const s = wsSubscribe(`${server.url.replace('http', 'ws')}/graphql`, { query, variables });
  const ended = await s.done;
  await s.dispose();
  // A close instead (graphql-ws's 4500 when onSubscribe throws) leaves no errors at all.
  return Array.isArray(ended) ? ended : s.results.flatMap((r) => r.errors ?? []);
}

/** The same over server-sent events (POST with Accept: text/event-stream). */
async function overSse(server: SpawnedServer, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
  const errors: unknown[] = [];
  for await (const e of readSse(res)) if (e.event === 'next') errors.push(...(e.data?.errors ?? []));
  return errors;
}

// Subscriptions that fail in validation or in variable coercion (before any token is looked at).
// graphql-ws answers these itself, outside Yoga's result processing: the hygiene must reach them too.
const SUBSCRIPTIONS: Array<[string, string, Record<string, unknown>?]> = [
  ['unknown root field', 'subscription { accountEvent { kind } }'],
  ['unknown field on the event', 'subscription { accountEvents { knd } }'],
  ['unknown directive argument', 'subscription { accountEvents { kind @include(iff: true) } }'],
  ['unknown variable type', 'subscription($k: AccountEventKnd) { accountEvents { kind @skip(if: $k) } }'],
  ['unknown field in a query, before the subscriptions-only rule', '{ mee { id } }'],
  [
    'a secret under a secret name, of the wrong type',
    'subscription($password: Boolean!) { accountEvents { kind @include(if: $password) } }',
    { password: SECRET },
  ],
  [
    'an object holding a secret, of the wrong type',
    'subscription($b: Boolean!) { accountEvents { kind @include(if: $b) } }',
    { b: { token: SECRET } },
  ],
  [
    'a number under a secret name',
    'subscription($code: Boolean!) { accountEvents { kind @include(if: $code) } }',
    { code: NUMBER },
  ],
];

describe('over WebSocket and server-sent events, the same errors as over HTTP', () => {
  it.each(SUBSCRIPTIONS)('%s', async (_label, query, variables) => {
    for (const server of [prod, dev]) {
      const http = (await server.gql(query, variables)).body.errors;
      expect(http?.length).toBeGreaterThan(0);
      // The very errors HTTP answers: no "Did you mean" in production, no secret in any mode, the
      // same code, and none of Yoga's internal extensions (`http`).
      expect(await overWebSocket(server, query, variables)).toEqual(http);
      expect(await overSse(server, query, variables)).toEqual(http);
      if (server === prod) expect(JSON.stringify(http)).not.toMatch(/did you mean|suggestion/i);
      expect(JSON.stringify(http)).not.toContain(SECRET);
      expect(JSON.stringify(http)).not.toContain(String(NUMBER));
    }
  });

  it('the message still says what is wrong', async () => {
    const [error] = await overWebSocket(prod, SUBSCRIPTIONS[5]![1], { password: SECRET });
    expect(error).toMatchObject({
      message: 'Variable "$password" got invalid value; Boolean cannot represent a non boolean value: "[redacted]"',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const [typo] = await overWebSocket(prod, SUBSCRIPTIONS[0]![1]);
    expect(typo).toEqual({
      message: 'Cannot query field "accountEvent" on type "Subscription".',
      locations: [{ line: 1, column: 16 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});
