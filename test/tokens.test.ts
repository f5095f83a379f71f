import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ME, type TestApp } from './helpers/app.js';
import { decodeJwt, forge, now } from './helpers/jwt.js';

let app: TestApp;
let user: { token: string; id: string; email: string; password: string };
let key: Uint8Array;

beforeAll(async () => {
  app = await createTestApp();
  user = await app.signup();
  key = new TextEncoder().encode(app.secret);
});
afterAll(() => app.close());

/** A token like ours for the test user, with any claim or header changed. */
const forgeFor = (
  claims: Record<string, unknown> = {},
  opts: { alg?: string; header?: Record<string, unknown> } = {},
) => forge(key, user.id, claims, opts);

async function meWith(authorization: string) {
  return app.gql(ME, undefined, { headers: { authorization } });
}

describe('the Authorization header', () => {
  it('accepts "Bearer <token>"', async () => {
    const res = await meWith(`Bearer ${user.token}`);
    expect(res.body.data?.me.id).toBe(user.id);
  });

  it('accepts the scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect((await meWith(`${scheme} ${user.token}`)).body.data?.me.id).toBe(user.id);
    }
  });

  it('answers UNAUTHENTICATED with a hint when there is no header', async () => {
    const res = await app.gql(ME);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      data: null,
      errors: [
        {
          message: 'Authentication required: send Authorization: Bearer <token>',
          path: ['me'],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  });

  it('treats an empty header as no header', async () => {
    const res = await meWith('');
    expect(res.body.errors?.[0]?.message).toBe('Authentication required: send Authorization: Bearer <token>');
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['the bare token', () => user.token],
    ['the scheme alone', () => 'Bearer'],
    ['two tokens', () => `Bearer ${user.token} ${user.token}`],
    ['a quoted token', () => `Bearer "${user.token}"`],
    ['"Token" scheme', () => `Token ${user.token}`],
  ])('refuses %s as a malformed header', async (_label, header) => {
    const res = await meWith(header());
    expect(res.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toBe('Malformed Authorization header: expected "Bearer <token>"');
  });
});

describe('token verification', () => {
  it('accepts a token it signed', async () => {
    expect((await meWith(`Bearer ${await forgeFor()}`)).body.data?.me.id).toBe(user.id);
  });

  it('refuses an expired token and says it expired', async () => {
    const res = await meWith(`Bearer ${await forgeFor({ iat: now() - 7200, exp: now() - 3600 })}`);
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'Token expired',
      extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
    });
  });

  it('tolerates a few seconds of clock skew on exp', async () => {
    const res = await meWith(`Bearer ${await forgeFor({ iat: now() - 3600, exp: now() - 2 })}`);
    expect(res.body.data?.me.id).toBe(user.id);
  });

  it('accepts tokens signed with a previous secret listed in JWT_PREVIOUS_SECRETS', async () => {
    const old = 'the-old-secret-the-old-secret-the-old-secret';
    const rotated = await createTestApp({ JWT_PREVIOUS_SECRETS: old });
    try {
      const { id } = await rotated.signup();
      const oldToken = await forge(old, id, { exp: now() + 60 });
      expect((await rotated.gql(ME, undefined, { token: oldToken })).body.data?.me.id).toBe(id);
      // New tokens are signed with the current secret only.
      const fresh = await rotated.services.tokens.sign((await rotated.services.users.findById(id))!);
      const { createHmac: hmac } = await import('node:crypto');
      const [h, p, s] = fresh.split('.');
      expect(hmac('sha256', rotated.secret).update(`${h}.${p}`).digest('base64url')).toBe(s);
    } finally {
      await rotated.close();
    }
  });

  it('signs with JWT_EXPIRES_IN, iss and aud from the configuration', async () => {
    const custom = await createTestApp({
      JWT_EXPIRES_IN: '120',
      JWT_ISSUER: 'https://auth.example',
      JWT_AUDIENCE: 'web',
    });
    try {
      const { token } = await custom.signup();
      const { claims } = decodeJwt(token);
      expect(claims.exp - claims.iat).toBe(120);
      expect(claims).toMatchObject({ iss: 'https://auth.example', aud: 'web' });
      expect((await custom.gql(ME, undefined, { token })).body.data?.me).toBeTruthy();
      // A token from the default issuer is not accepted here.
      expect((await custom.gql(ME, undefined, { token: await forgeFor({ sub: claims.sub }) })).code).toBe(
        'UNAUTHENTICATED',
      );
    } finally {
      await custom.close();
    }
  });
});
