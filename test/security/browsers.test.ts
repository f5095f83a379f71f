import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type SpawnedServer } from '../helpers/server.js';

const PROD = { NODE_ENV: 'production', JWT_SECRET: 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0aQ-cors-test-key' };

function preflight(url: string, origin: string) {
  return fetch(`${url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    },
  });
}

describe('CORS', () => {
  let prodDefault: SpawnedServer;
  let prodListed: SpawnedServer;
  let dev: SpawnedServer;
  beforeAll(async () => {
    [prodDefault, prodListed, dev] = await Promise.all([
      startServer(PROD),
      startServer({ ...PROD, CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' }),
      startServer({ NODE_ENV: 'development' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([prodDefault?.stop(), prodListed?.stop(), dev?.stop()]);
  });

  it('in production allows no cross-origin caller by default', async () => {
    const res = await preflight(prodDefault.url, 'https://app.example.com');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('in production allows exactly the CORS_ORIGINS, with the Authorization header', async () => {
    const ok = await preflight(prodListed.url, 'https://admin.example.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(ok.headers.get('vary')).toContain('Origin');
    const evil = await preflight(prodListed.url, 'https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const lookalike = await preflight(prodListed.url, 'https://app.example.com.evil.example');
    expect(lookalike.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('in development allows any origin (GraphiQL elsewhere, local frontends)', async () => {
    const res = await preflight(dev.url, 'http://localhost:5173');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});

describe('CSRF', () => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('refuses the content types a cross-site form can send without a preflight', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'query=mutation%20%7B%20logoutAll%20%7D',
      });
      expect(res.status, type).toBe(415);
    }
  });

  it('refuses a GET without a preflight-forcing header (Yoga CSRF prevention)', async () => {
    const res = await fetch(`${server.url}/graphql?query=%7B__typename%7D`);
    expect(res.status).toBe(403);
  });
});
