import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../helpers/app.js';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';

// Token answers are not cacheable, API answers are not sniffed, pages are not framed, and a
// refused request changes nothing, its response headers included.
let body: SpawnedServer;
let cookie: SpawnedServer;
let dev: SpawnedServer;

beforeAll(async () => {
  [body, cookie, dev] = await Promise.all([
    startServer(),
    startServer({ REFRESH_TOKEN_TRANSPORT: 'cookie', CORS_ORIGINS: 'https://app.example.com' }),
    startServer({ NODE_ENV: 'development' }),
  ]);
});
afterAll(async () => {
  await Promise.all([body?.stop(), cookie?.stop(), dev?.stop()]);
});

const SIGNUP = 'mutation($input: SignupInput!) { signup(input: $input) { token refreshToken } }';
const signupInput = () => ({ input: { name: 'H', email: uniqueEmail(), password: 'correct horse battery' } });

function expectNotStored(headers: Headers): void {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('pragma')).toBe('no-cache');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
}

describe('token answers are not cacheable', () => {
  it('signup, login and refresh with tokens in the body: no-store, nosniff', async () => {
    const C = httpClient(body.url);
    const s = await C.gql(SIGNUP, signupInput());
    expect(s.body.data.signup.token).toMatch(/^eyJ/);
    expectNotStored(s.headers);
    const refreshed = await C.gql('mutation($r: String) { refresh(refreshToken: $r) { token } }', {
      r: s.body.data.signup.refreshToken,
    });
    expect(refreshed.body.data.refresh.token).toMatch(/^eyJ/);
    expectNotStored(refreshed.headers);
    // Every API answer, errors included, and GET queries too.
    expectNotStored((await C.gql('{ me { id } }')).headers);
    const get = await fetch(`${body.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    expectNotStored(get.headers);
    expect(get.headers.get('x-frame-options')).toBe('DENY');
  });

  it('a refresh cookie is set on a no-store answer', async () => {
    const s = await httpClient(cookie.url).gql(SIGNUP, signupInput());
    expect(s.headers.get('set-cookie')).toMatch(/^refresh_token=/);
    expectNotStored(s.headers);
  });
});

describe('answers over SSE (Accept: text/event-stream) are not cacheable either', () => {
  const sse = (query: string, variables?: Record<string, unknown>, token?: string, signal?: AbortSignal) =>
    fetch(`${body.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });

  it('a token answer streamed as events: no-store, and it still arrives whole', async () => {
    const res = await sse(SIGNUP, signupInput());
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expectNotStored(res.headers);
    // What SSE needs stays: no proxy may hold the stream back to compress it.
    expect(res.headers.get('content-encoding')).toBe('none');
    const events = [];
    for await (const e of readSse(res)) events.push(e);
    expect(events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(events[0]!.data.data.signup.token).toMatch(/^eyJ/);
  });

  it('a subscription: no-store, and its events still stream as they happen', async () => {
    const C = httpClient(body.url);
    const user = await C.signup();
    const abort = new AbortController();
    try {
      const res = await sse('subscription { accountEvents { kind } }', undefined, user.token, abort.signal);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expectNotStored(res.headers);
      const events = readSse(res);
      const first = events.next();
      await new Promise((r) => setTimeout(r, 200)); // let the subscription attach
      await C.gql('mutation { updateMe(input: { name: "Streamed" }) { id } }', undefined, { token: user.token });
      expect((await first).value).toEqual({
        event: 'next',
        data: { data: { accountEvents: { kind: 'PROFILE_UPDATED' } } },
      });
    } finally {
      abort.abort();
    }
  });
});

describe('the GraphiQL page', () => {
  it('has a restrictive Content-Security-Policy and cannot be framed', async () => {
    const res = await fetch(`${dev.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await res.text()).toContain('<html');
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    // Only the page's own inline scripts, by hash: no 'unsafe-inline', no 'unsafe-eval', no host.
    expect(directives['script-src']!.length).toBeGreaterThan(0);
    for (const s of directives['script-src']!) expect(s).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('a refused request has no side effect', () => {
  it('a cross-site cookie logout is refused without a Set-Cookie, and the session lives on', async () => {
    const s = await httpClient(cookie.url).gql(SIGNUP, signupInput());
    const jar = (s.headers.get('set-cookie') ?? '').split(';')[0]!;
    const gql = (query: string, origin?: string) =>
      fetch(`${cookie.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: jar, ...(origin ? { origin } : {}) },
        body: JSON.stringify({ query }),
      });
    const forged = await gql('mutation { logout }', 'https://evil.example');
    expect(((await forged.json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(forged.headers.get('set-cookie')).toBeNull();
    // The browser still holds a working session.
    const refreshed = await gql('mutation { refresh { token } }', 'https://app.example.com');
    expect(((await refreshed.json()) as any).data.refresh.token).toMatch(/^eyJ/);
  });
});
