import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/errors.js';
import { createTestApp, type TestApp, uniqueEmail } from './helpers/app.js';
import { ROOT } from './helpers/server.js';

const REFRESH = /* GraphQL */ `mutation { refresh { token } }`;
const SIGNUP = /* GraphQL */ `mutation($input: SignupInput!) { signup(input: $input) { token } }`;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ REFRESH_TOKEN_TRANSPORT: 'cookie', CORS_ORIGINS: 'https://app.example.com' });
});
afterAll(() => app.close());

function post(body: string, headers: Record<string, string>) {
  return app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers, body });
}

describe('request errors', () => {
  it('serves GraphQL at /graphql only: the other URLs Yoga would take (a slash, a prefix, a query) are 404 NOT_FOUND', async () => {
    for (const url of [
      'http://localhost/graphql/',
      'http://localhost//graphql',
      'http://localhost/api/graphql',
      'http://localhost/?next=/graphql',
    ]) {
      // text/plain: at /graphql the media-type rule refuses it; it must not run anywhere else either.
      for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }]) {
        const res = await app.yoga.fetch(url, { method: 'POST', headers, body: '{"query":"{ __typename }"}' });
        expect(res.status, url).toBe(404);
        expect(await res.json(), url).toEqual({
          errors: [{ message: 'Not found: the GraphQL endpoint is /graphql', extensions: { code: 'NOT_FOUND' } }],
        });
      }
    }
    const ok = await post('{"query":"{ __typename }"}', { 'content-type': 'application/json' });
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a compressed (or compression-labelled) body with 415: nothing here decompresses', async () => {
    for (const encoding of ['gzip', 'br', 'deflate, gzip']) {
      const res = await post('{"query":"{ __typename }"}', {
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
      expect(res.status, encoding).toBe(415);
      expect(await res.json()).toEqual({
        errors: [
          {
            message: `Unsupported Content-Encoding "${encoding}": send the body uncompressed`,
            extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
          },
        ],
      });
    }
    const identity = await post('{"query":"{ __typename }"}', {
      'content-type': 'application/json',
      'content-encoding': 'identity',
    });
    expect(await identity.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('a GET without a preflight-forcing header gets CSRF_HEADER_REQUIRED (403) with a message that says what to send', async () => {
    const res = await app.yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      errors: [
        {
          message:
            'GET requests need an x-graphql-yoga-csrf (or apollo-require-preflight) header; or use POST with JSON',
          extensions: { code: 'CSRF_HEADER_REQUIRED' },
        },
      ],
    });
  });

  it('answers 411, 413 and 415 in the same JSON shape, each with its code', async () => {
    const big = await post(JSON.stringify({ query: `{ __typename } #${'x'.repeat(200_000)}` }), {
      'content-type': 'application/json',
    });
    expect([big.status, ((await big.json()) as any).errors[0].extensions.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const text = await post('{ __typename }', { 'content-type': 'text/plain' });
    expect([text.status, ((await text.json()) as any).errors[0]]).toEqual([
      415,
      {
        message: 'Unsupported Content-Type "text/plain": send application/json',
        extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
      },
    ]);
    const chunked = await app.yoga.fetch(
      new Request('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"query":"{ __typename }"}'));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit),
    );
    expect([chunked.status, ((await chunked.json()) as any).errors[0].extensions.code]).toEqual([
      411,
      'LENGTH_REQUIRED',
    ]);
  });
});

describe('one list of JSON media types', () => {
  it('application/graphql+json, which Yoga parses as JSON, is accepted by the media-type check and by cookie mode', async () => {
    const type = { 'content-type': 'application/graphql+json' };
    const signup = await post(
      JSON.stringify({
        query: SIGNUP,
        variables: { input: { name: 'J', email: uniqueEmail(), password: 'correct horse battery' } },
      }),
      type,
    );
    expect(signup.status).toBe(200);
    const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0]!;
    const refreshed = (await (await post(JSON.stringify({ query: REFRESH }), { ...type, cookie })).json()) as any;
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data.refresh.token).toEqual(expect.any(String));
  });
});

describe('one allowed-origin check', () => {
  it('the refresh cookie is honoured from this origin and listed ones, refused from others; CORS agrees', async () => {
    const signup = await app.gql(SIGNUP, {
      input: { name: 'O', email: uniqueEmail(), password: 'correct horse battery' },
    });
    let cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0]!;
    for (const origin of ['http://localhost', 'https://app.example.com']) {
      const res = await app.gql(REFRESH, {}, { headers: { cookie, origin } });
      expect(res.body.errors, origin).toBeUndefined();
      cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    }
    const evil = await app.gql(REFRESH, {}, { headers: { cookie, origin: 'https://evil.example' } });
    expect(evil.body.errors?.[0]).toMatchObject({
      message: 'Origin https://evil.example may not use the refresh cookie',
      extensions: { code: 'FORBIDDEN' },
    });
    const preflight = (origin: string) =>
      app.yoga.fetch('http://localhost/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('https://app.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://app.example.com',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('error codes', () => {
  it('are written only in src/errors.ts: no other source file spells one as a string', () => {
    const files = fs
      .readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith('generated') && f !== 'errors.ts');
    const offenders: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, 'src', file), 'utf8');
      for (const code of [...Object.values(ErrorCode), 'INTERNAL_SERVER_ERROR']) {
        if (new RegExp(`['"]${code}['"]`).test(text)) offenders.push(`${file}: ${code}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
