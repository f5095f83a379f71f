import { createHmac, generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forge, now, ourClaims, respellings } from '../helpers/jwt.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// RFC 8725 and the OWASP JWT cheat sheet, attack by attack, against the running server.
let server: SpawnedServer;
let user: { id: string; token: string };
let key: Uint8Array;

beforeAll(async () => {
  server = await startServer();
  user = await server.signup();
  key = new TextEncoder().encode(server.secret);
});
afterAll(() => server.stop());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ourClaims(user.id, extra);
/** A token signed with the server's own key; only what the test names is off. */
const forgeFor = (
  extra: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  alg = 'HS256',
  k: Uint8Array = key,
) => forge(k, user.id, extra, { alg, header });
/** Hand-built HMAC-SHA256 over any header: for headers jose would refuse to produce. */
const handmade = (header: Record<string, unknown>, payload = claims()) => {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
};

async function me(token: string) {
  return server.gql('{ me { id } }', undefined, { token });
}

async function expectRefused(token: string, message = 'Invalid token') {
  const res = await me(token);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ data: null, errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
}

describe('JWT attacks', () => {
  it('control: a well-formed token is accepted', async () => {
    expect((await me(await forgeFor())).body.data.me.id).toBe(user.id);
  });

  it('alg "none", in any spelling, is refused', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expectRefused(`${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`);
    }
  });

  it('other HMAC sizes (HS384, HS512) are refused even with the right key', async () => {
    await expectRefused(await forgeFor({}, {}, 'HS384'));
    await expectRefused(await forgeFor({}, {}, 'HS512'));
  });

  it('algorithm confusion: an RS256/ES256 header over an HMAC signature is refused', async () => {
    await expectRefused(handmade({ alg: 'RS256', typ: 'JWT' }));
    await expectRefused(handmade({ alg: 'ES256', typ: 'JWT' }));
  });

  it('an unknown critical header extension (crit) is refused', async () => {
    await expectRefused(handmade({ alg: 'HS256', typ: 'JWT', crit: ['exp-x'], 'exp-x': 1 }));
  });

  it('an embedded jwk is never trusted: a token signed with the attacker key it names is refused', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk }).sign(privateKey);
    await expectRefused(token);
  });

  it('jku, x5u and kid are never followed', async () => {
    const attacker = new TextEncoder().encode('attacker-chosen-key-attacker-chosen-key');
    // Pointing at a key set, or at a key id, changes nothing: the signature must be ours.
    await expectRefused(await forgeFor({}, { jku: 'http://127.0.0.1:1/jwks.json' }, 'HS256', attacker));
    await expectRefused(await forgeFor({}, { x5u: 'http://127.0.0.1:1/cert.pem' }, 'HS256', attacker));
    await expectRefused(await forgeFor({}, { kid: '../../dev/null' }, 'HS256', attacker));
  });

  it('a tampered payload or signature is refused', async () => {
    const [h, , s] = user.token.split('.');
    await expectRefused(`${h}.${b64(claims({ role: 'ADMIN' }))}.${s}`);
    const t = user.token;
    await expectRefused(t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1));
  });

  it('only the canonical spelling of a token is accepted: no "=" padding, no set padding bits', async () => {
    const token = await forgeFor();
    const others = respellings(token);
    // An HS256 signature is 32 bytes: 43 characters, the last with 2 spare bits (3 respellings), and two paddings.
    expect(others).toHaveLength(5);
    for (const other of others) await expectRefused(other);
    // Still refused once the original is in the verified-token cache, and the original still works.
    expect((await me(token)).body.data.me.id).toBe(user.id);
    for (const other of others) await expectRefused(other);
    expect((await me(token)).body.data.me.id).toBe(user.id);
  });

  it('a token signed with another secret is refused', async () => {
    await expectRefused(
      await forgeFor({}, {}, 'HS256', new TextEncoder().encode('a-different-secret-a-different-secret')),
    );
  });

  it('exp is required', async () => {
    await expectRefused(await forgeFor({ exp: undefined }));
  });

  it('sub is required and must be a string', async () => {
    await expectRefused(await forgeFor({ sub: undefined }));
    await expectRefused(await forgeFor({ sub: 42 }));
  });

  it('an expired token is refused and says it expired, so clients know to refresh', async () => {
    const res = await me(await forgeFor({ iat: now() - 7200, exp: now() - 3600 }));
    expect(res.body.errors[0]).toEqual({
      message: 'Token expired',
      locations: [{ line: 1, column: 3 }],
      path: ['me'],
      extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
    });
  });

  it('nbf in the future is honoured', async () => {
    await expectRefused(await forgeFor({ nbf: now() + 600 }));
  });

  it('iat in the future beyond the clock skew is refused', async () => {
    await expectRefused(await forgeFor({ iat: now() + 600, exp: now() + 4200 }));
  });

  it('iss and aud are checked', async () => {
    await expectRefused(await forgeFor({ iss: 'https://evil.example' }));
    await expectRefused(await forgeFor({ aud: 'another-api' }));
    await expectRefused(await forgeFor({ aud: undefined }));
  });

  it('a token over 8 KB is refused before any cryptography', async () => {
    // Correctly signed and valid apart from its size: without the size check it would pass.
    const big = await forgeFor({ pad: 'x'.repeat(9000) });
    expect((await me(await forgeFor({ pad: 'x'.repeat(100) }))).body.data.me.id).toBe(user.id);
    await expectRefused(big);
  });

  it('a token whose user no longer exists is refused', async () => {
    await expectRefused(await forgeFor({ sub: '01a20bce-0000-7000-8000-000000000000' }));
  });

  it('a token with an outdated version is refused as revoked', async () => {
    await expectRefused(await forgeFor({ ver: -1 }), 'Token has been revoked');
  });
});
