import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNUP, uniqueEmail } from './helpers/app.js';
import { startServer, type SpawnedServer } from './helpers/server.js';

let server: SpawnedServer;
beforeAll(async () => {
  // Development mode: GraphiQL is served.
  server = await startServer({ NODE_ENV: 'development' });
});
afterAll(async () => {
  await server?.stop();
});

// The GraphQL-over-HTTP media type: request errors get 4xx statuses (plain application/json gets 200).
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };

async function post(body: string, headers: Record<string, string> = JSON_HEADERS) {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: (() => {
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    })(),
  };
}

describe('the running server', () => {
  it('answers /health and /ready', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });

  it('walks signup, me and deleteUser over real HTTP', async () => {
    const email = uniqueEmail();
    const s = await post(
      JSON.stringify({
        query: SIGNUP,
        variables: { input: { name: 'Http', email, password: 'correct horse battery' } },
      }),
    );
    const token = s.json.data.signup.token;
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    expect((await post(JSON.stringify({ query: '{ me { email } }' }), auth)).json).toEqual({ data: { me: { email } } });
    expect((await post(JSON.stringify({ query: 'mutation { deleteUser { email } }' }), auth)).json).toEqual({
      data: { deleteUser: { email } },
    });
    expect((await post(JSON.stringify({ query: '{ me { email } }' }), auth)).json.errors[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('serves GraphiQL to browsers with every asset inline (no CDN)', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('YogaGraphiQL');
    expect(html).toContain('mutation Login');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:\/\//);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
  });
});

describe('malformed requests get a 4xx with a clear error and no stack', () => {
  const cases: Array<[string, () => ReturnType<typeof post>, number]> = [
    ['invalid JSON', () => post('{"query": '), 400],
    ['no query', () => post(JSON.stringify({ variables: {} })), 400],
    ['a query that is not a string', () => post(JSON.stringify({ query: 42 })), 400],
    ['a syntax error', () => post(JSON.stringify({ query: '{ me { ' })), 400],
    ['an unknown field', () => post(JSON.stringify({ query: '{ nope }' })), 400],
    [
      'variables of the wrong type',
      () => post(JSON.stringify({ query: SIGNUP, variables: { input: { name: 1 } } })),
      200,
    ],
    ['an unsupported content type', () => post('query', { 'content-type': 'application/xml' }), 415],
    ['no content type', () => post('{"query":"{ __typename }"}', {}), 415],
  ];

  it.each(cases)('%s', async (_label, send, status) => {
    const res = await send();
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
    if (status !== 200) expect(res.status).toBe(status);
    expect(res.json?.errors?.[0]?.message).toEqual(expect.any(String));
    expect(res.json?.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
    expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(res.text).not.toMatch(/SQLITE|SELECT|argon2/i);
  });

  it('refuses a mutation over GET', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('mutation { deleteUser { id } }')}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(res.status).toBe(405);
  });

  it('refuses a GET query without a CSRF header (a cross-site <img> or link could send it)', async () => {
    const url = `${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const bare = await fetch(url, { headers: { accept: 'application/json' } });
    expect(bare.status).toBe(403);
    expect((await bare.json()).errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
    const withHeader = await fetch(url, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await withHeader.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('process lifecycle', () => {
  it('exits 0 on SIGTERM', async () => {
    const s = await startServer();
    expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('refuses to start in production without a strong JWT_SECRET', async () => {
    await expect(startServer({ JWT_SECRET: '' })).rejects.toThrow(
      /exited \(1\)[\s\S]*JWT_SECRET is required in production/,
    );
    await expect(startServer({ JWT_SECRET: 'too-short' })).rejects.toThrow(
      /exited \(1\)[\s\S]*JWT_SECRET is 9 bytes; production needs at least 32/,
    );
  });

  it('outside production, generates a secret once and keeps it in the data folder', async () => {
    const s = await startServer({ NODE_ENV: 'development', JWT_SECRET: '' });
    try {
      expect(s.output()).toMatch(/JWT_SECRET is not set: using a new development secret/);
      const fs = await import('node:fs');
      const stat = fs.statSync(`${s.dataDir}/jwt-secret`);
      expect(stat.mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(`${s.dataDir}/jwt-secret`, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    } finally {
      await s.stop();
    }
  });
});
