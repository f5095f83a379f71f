import { createPublicKey } from 'node:crypto';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, ME, type TestApp } from './helpers/app.js';
import { startHttpApp } from './helpers/http.js';
import { ASYMMETRIC, keyEnv, newKeyPair, type PemPair } from './helpers/keys.js';

// Each algorithm end to end on yoga.fetch: what it signs, that we verify it, what the JWKS says,
// and that a standard JWKS client verifies our token from the JWKS alone.

const PUBLIC_MEMBERS: Record<string, string[]> = {
  EdDSA: ['crv', 'x'],
  ES256: ['crv', 'x', 'y'],
  RS256: ['e', 'n'],
};

async function getJwks(app: TestApp, headers: Record<string, string> = {}) {
  return app.yoga.fetch('http://localhost/.well-known/jwks.json', { headers });
}

/** A GET over a real socket with headers fetch() will not forge (Host): as a client behind a proxy can. */
function rawGet(
  origin: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(`${origin}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

describe.each(ASYMMETRIC)('%s', (alg) => {
  let app: TestApp;
  let pair: PemPair;
  let user: Awaited<ReturnType<TestApp['signup']>>;
  let thumbprint: string;
  beforeAll(async () => {
    pair = newKeyPair(alg);
    app = await createTestApp(keyEnv(pair, { JWT_ISSUER: 'https://auth.example.com', JWT_AUDIENCE: 'example-apis' }));
    user = await app.signup();
    thumbprint = await calculateJwkThumbprint(await exportJWK(createPublicKey(pair.publicKey)), 'sha256');
  });
  afterAll(() => app.close());

  it('signs with the configured key: alg, typ, kid = RFC 7638 thumbprint; iss and aud', () => {
    const { header, claims } = decodeJwt(user.token);
    expect(header).toEqual({ alg, typ: 'JWT', kid: thumbprint });
    expect(claims).toMatchObject({ sub: user.id, iss: 'https://auth.example.com', aud: 'example-apis' });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('verifies its own token (me), from the cache on the second request too', async () => {
    expect((await app.gql(ME, undefined, { token: user.token })).body.data?.me.id).toBe(user.id);
    expect((await app.gql(ME, undefined, { token: user.token })).body.data?.me.id).toBe(user.id);
  });

  it('publishes exactly the public key: kty and public members, kid, alg, use "sig"', async () => {
    const res = await getJwks(app);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    const jwk = body.keys[0]!;
    const expected = await exportJWK(createPublicKey(pair.publicKey));
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'kid', 'kty', 'use', ...PUBLIC_MEMBERS[alg]!].sort());
    expect(jwk).toEqual({ ...expected, kid: thumbprint, alg, use: 'sig' });
    // No private member under any name: d, p, q, dp, dq, qi, k.
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(m);
  });

  it('a standard JWKS client verifies our token from the JWKS alone', async () => {
    const jwks = createLocalJWKSet(await (await getJwks(app)).json());
    const { payload, protectedHeader } = await jwtVerify(user.token, jwks, {
      issuer: 'https://auth.example.com',
      audience: 'example-apis',
      algorithms: [alg],
    });
    expect(payload.sub).toBe(user.id);
    expect(protectedHeader.kid).toBe(thumbprint);
  });

  it('caches well: Cache-Control for gateways, an ETag, 304 on If-None-Match (weak or strong)', async () => {
    const res = await getJwks(app);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-if-error=86400');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await getJwks(app, { 'if-none-match': inm });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe('');
    }
    expect((await getJwks(app, { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('discovery names the issuer and, for an https issuer, the JWKS under it', async () => {
    const res = await app.yoga.fetch('http://localhost/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-if-error=86400');
    expect(await res.json()).toEqual({
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
    });
  });
});

describe('HS256 (the default)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ JWKS_MAX_AGE: '60' });
  });
  afterAll(() => app.close());

  it('keeps the contract header {"alg":"HS256","typ":"JWT"}: no kid, nothing derived from the secret', async () => {
    const { token } = await app.signup();
    expect(decodeJwt(token).header).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('publishes an empty key set, and nothing of the secret anywhere', async () => {
    const res = await getJwks(app);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ keys: [] });
    expect(res.headers.get('cache-control')).toBe('public, max-age=60, stale-if-error=86400');
    const discoveryRes = await app.yoga.fetch('http://localhost/.well-known/openid-configuration');
    const discovery = await discoveryRes.text();
    // The default issuer is a name, not a URL: jwks_uri is the address the request came to.
    expect(JSON.parse(discovery)).toEqual({
      issuer: 'graphql-auth-api',
      jwks_uri: 'http://localhost/.well-known/jwks.json',
    });
    const b64 = Buffer.from(app.secret).toString('base64url');
    for (const t of [text, discovery, res.headers.get('etag')!]) {
      expect(t).not.toContain(app.secret);
      expect(t).not.toContain(b64);
    }
  });

  it("discovery with no public URL configured: the request's host, which no cache may store or share", async () => {
    // No https JWT_ISSUER: the Host header is all there is, and the client chooses it. no-cache
    // would let a shared cache store the document (revalidating only). no-cache would let a shared cache store the document (revalidating only).
    const res = await app.yoga.fetch('http://evil.example/.well-known/openid-configuration');
    expect(await res.json()).toEqual({
      issuer: 'graphql-auth-api',
      jwks_uri: 'http://evil.example/.well-known/jwks.json',
    });
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('vary')).toBe('Accept-Encoding, Host');
    // The JWKS itself does not depend on the host: it stays publicly cacheable.
    const keys = await app.yoga.fetch('http://evil.example/.well-known/jwks.json');
    expect(keys.headers.get('cache-control')).toBe('public, max-age=60, stale-if-error=86400');
    expect(keys.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('answers HEAD, and refuses other methods with 405 and Allow', async () => {
    const head = await app.yoga.fetch('http://localhost/.well-known/jwks.json', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBeTruthy();
    const post = await app.yoga.fetch('http://localhost/.well-known/jwks.json', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('discovery with an https JWT_ISSUER', () => {
  let server: Awaited<ReturnType<typeof startHttpApp>>;
  beforeAll(async () => {
    // APP_URL, a frontend elsewhere, plays no part: a validator would find a page there, not keys.
    server = await startHttpApp({
      env: { JWT_ISSUER: 'https://auth.example.com/', APP_URL: 'https://app.example.com', JWKS_MAX_AGE: '120' },
    });
  });
  afterAll(() => server.close());

  const PATH = '/.well-known/openid-configuration';
  const EXPECTED = { issuer: 'https://auth.example.com/', jwks_uri: 'https://auth.example.com/.well-known/jwks.json' };

  it('names the JWKS under the issuer whatever Host (or X-Forwarded-Host) the request carries', async () => {
    const honest = await rawGet(server.origin, PATH, {});
    expect(honest.status).toBe(200);
    expect(JSON.parse(honest.body)).toEqual(EXPECTED);
    const forged = await rawGet(server.origin, PATH, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(forged.status).toBe(200);
    expect(JSON.parse(forged.body)).toEqual(EXPECTED);
    expect(forged.headers.etag).toBe(honest.headers.etag);
  });

  it('is cached like the JWKS: public max-age, one ETag, 304 on If-None-Match, no Vary on Host', async () => {
    const res = await rawGet(server.origin, PATH, { host: 'other.example' });
    expect(res.headers['cache-control']).toBe('public, max-age=120, stale-if-error=86400');
    expect(res.headers.vary).toBe('Accept-Encoding');
    const again = await rawGet(server.origin, PATH, { 'if-none-match': res.headers.etag! });
    expect(again.status).toBe(304);
  });
});
