import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, type TestApp } from '../helpers/app.js';
import { now, ourClaims, respellings, tamperSignature } from '../helpers/jwt.js';
import { ASYMMETRIC, ecdsaTwin, isHighS, keyEnv, newKeyPair, type PemPair, signRaw } from '../helpers/keys.js';

// The attacks on a key set (RFC 8725 section 2, the OWASP JWT cheat sheet, CVE-2015-9235 and
// CVE-2022-21449 style), for each asymmetric algorithm. Every refused token below is refused from
// its header: the test counts the signature checks WebCrypto runs while it is refused, and there
// are none.

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** WebCrypto signature checks in this process (jose verifies through crypto.subtle.verify). */
let verifyCalls = 0;
const realVerify = crypto.subtle.verify.bind(crypto.subtle);
beforeAll(() => {
  crypto.subtle.verify = ((...args: Parameters<SubtleCrypto['verify']>) => {
    verifyCalls += 1;
    return realVerify(...args);
  }) as SubtleCrypto['verify'];
});
afterAll(() => {
  crypto.subtle.verify = realVerify;
});

describe.each(ASYMMETRIC)('%s', (alg) => {
  let app: TestApp;
  let pair: PemPair;
  let user: { id: string; token: string };
  let kid: string;
  const claims = (extra: Record<string, unknown> = {}) => ourClaims(user.id, extra);
  /**
   * Signed with OUR private key by node:crypto directly (jose will not write some of these
   * headers); only what the test names is off.
   */
  const ours = async (header: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    signRaw(pair, { alg, typ: 'JWT', kid, ...header }, claims(extra));
  /** HMAC-SHA256 with any bytes as the key, over any header: the algorithm-confusion forgery. */
  const hmacWith = (secret: string | Buffer, header: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(claims())}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };

  async function me(token: string) {
    return app.gql('{ me { id } }', undefined, { token });
  }
  /** Refused with the plain message, and with no signature check run. */
  async function refusedFromHeader(token: string) {
    const before = verifyCalls;
    const res = await me(token);
    expect(res.body).toMatchObject({ data: null, errors: [{ message: 'Invalid token' }] });
    expect(res.code).toBe('UNAUTHENTICATED');
    expect(verifyCalls - before).toBe(0);
  }

  beforeAll(async () => {
    pair = newKeyPair(alg);
    // JWT_SECRET stays set in this app (the helper sets one): under an asymmetric algorithm it must count for nothing.
    app = await createTestApp(keyEnv(pair));
    user = await app.signup();
    kid = decodeJwt(user.token).header.kid;
  });
  afterAll(() => app.close());

  it('control: a token signed with our key is accepted, after one signature check, then from the cache', async () => {
    const token = await ours();
    const before = verifyCalls;
    expect((await me(token)).body.data?.me.id).toBe(user.id);
    expect(verifyCalls - before).toBe(1);
    // The verified-token cache covers every algorithm: the same token again costs no signature check.
    for (let i = 0; i < 3; i++) expect((await me(token)).body.data?.me.id).toBe(user.id);
    expect(verifyCalls - before).toBe(1);
  });

  it('algorithm confusion: HS256 keyed with our public key (PEM, DER, JWK) is refused, kid or not', async () => {
    const spki = createPublicKey(pair.publicKey);
    const secrets = [
      pair.publicKey,
      pair.publicKey.trim(),
      spki.export({ type: 'spki', format: 'der' }),
      JSON.stringify(await exportJWK(spki)),
    ];
    for (const s of secrets) {
      await refusedFromHeader(hmacWith(s, { alg: 'HS256', typ: 'JWT', kid }));
      await refusedFromHeader(hmacWith(s, { alg: 'HS256', typ: 'JWT' }));
    }
  });

  it('JWT_SECRET means nothing here: an HS256 token signed with it is refused', async () => {
    await refusedFromHeader(hmacWith(app.secret, { alg: 'HS256', typ: 'JWT' }));
  });

  it('our kid with another algorithm in the header is refused', async () => {
    for (const other of ['HS256', 'HS512', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519', 'none']) {
      if (other === alg) continue;
      const [, payload, sig] = (await ours()).split('.');
      await refusedFromHeader(`${b64({ alg: other, typ: 'JWT', kid })}.${payload}.${sig}`);
    }
  });

  it('alg "none" is refused, with our kid or without', async () => {
    await refusedFromHeader(`${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims())}.`);
    await refusedFromHeader(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
  });

  it('an unknown kid is refused, even with a valid signature by the key it stands for', async () => {
    const attacker = newKeyPair(alg);
    const attackerKid = await calculateJwkThumbprint(await exportJWK(createPublicKey(attacker.publicKey)), 'sha256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg, typ: 'JWT', kid: attackerKid })
      .sign(createPrivateKey(attacker.privateKey));
    await refusedFromHeader(token);
    for (const bad of [
      '../../dev/null',
      '',
      'x'.repeat(300),
      `${kid} `,
      kid.toLowerCase() === kid ? kid.toUpperCase() : kid.toLowerCase(),
    ]) {
      const [, payload, sig] = (await ours()).split('.');
      await refusedFromHeader(`${b64({ alg, typ: 'JWT', kid: bad })}.${payload}.${sig}`);
    }
    const [, payload, sig] = (await ours()).split('.');
    await refusedFromHeader(`${b64({ alg, typ: 'JWT', kid: 42 })}.${payload}.${sig}`);
  });

  it('a token without kid is refused, even when our key signed it', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg, typ: 'JWT' })
      .sign(createPrivateKey(pair.privateKey));
    await refusedFromHeader(token);
  });

  it('jwk, jku, x5u, x5c (and crit, b64) in the header are refused, even when our own key signed the token', async () => {
    const jwk = await exportJWK(createPublicKey(pair.publicKey));
    for (const header of [
      { jwk },
      { jku: 'http://127.0.0.1:1/jwks.json' },
      { x5u: 'http://127.0.0.1:1/cert.pem' },
      { x5c: ['MIIB'] },
      { x5t: 'abc' },
      { crit: ['exp'] },
      { b64: false, crit: ['b64'] },
    ]) {
      await refusedFromHeader(await ours(header));
    }
  });

  it('an attacker key embedded as jwk, signing with our kid, is refused', async () => {
    const attacker = newKeyPair(alg);
    const jwk = await exportJWK(createPublicKey(attacker.publicKey));
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg, typ: 'JWT', kid, jwk })
      .sign(createPrivateKey(attacker.privateKey));
    await refusedFromHeader(token);
  });

  it('a token another key signed under our kid fails its signature check', async () => {
    const attacker = newKeyPair(alg);
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg, typ: 'JWT', kid })
      .sign(createPrivateKey(attacker.privateKey));
    const res = await me(token);
    expect(res.code).toBe('UNAUTHENTICATED');
  });

  it('a tampered payload under our signature is refused', async () => {
    const [h, , s] = user.token.split('.');
    expect((await me(`${h}.${b64(claims({ role: 'ADMIN' }))}.${s}`)).code).toBe('UNAUTHENTICATED');
  });

  it('another spelling of a token our key signed (padding, set padding bits) is refused without any cryptography', async () => {
    const token = await ours();
    // Every signature here (64 bytes, or RSA's 256) leaves 4 spare bits in its last character.
    const others = [...respellings(token, 0), ...respellings(token, 1), ...respellings(token, 2)];
    expect(others.length).toBeGreaterThanOrEqual(17);
    for (const other of others) await refusedFromHeader(other);
    expect((await me(token)).body.data?.me.id).toBe(user.id);
    // Known to the cache now; its other spellings still are not.
    for (const other of others) await refusedFromHeader(other);
  });

  it('an unreadable header is refused without any cryptography', async () => {
    const [, payload, sig] = user.token.split('.');
    for (const h of ['', '-_-', Buffer.from('not json').toString('base64url'), b64([1, 2]), b64('str')]) {
      await refusedFromHeader(`${h}.${payload}.${sig}`);
    }
  });
});

describe('ES256 specifically', () => {
  let app: TestApp;
  let pair: PemPair;
  beforeAll(async () => {
    pair = newKeyPair('ES256');
    app = await createTestApp(keyEnv(pair));
  });
  afterAll(() => app.close());

  it('the high-S twin of a token we signed (s replaced by n - s) is refused like any forgery, without cryptography', async () => {
    const { token, id } = await app.signup();
    // ECDSA malleability: both spellings carry a valid signature. Whichever is high-S must fail.
    const twin = ecdsaTwin(token);
    const [low, high] = isHighS(token) ? [twin, token] : [token, twin];
    const me = (t: string) => app.gql('{ me { id } }', undefined, { token: t });
    const forgery = await me(tamperSignature(low));
    expect(forgery.code).toBe('UNAUTHENTICATED');
    const refused = async () => {
      const before = verifyCalls;
      const res = await me(high);
      expect(res.body).toEqual(forgery.body);
      expect(res.body).toMatchObject({ data: null, errors: [{ message: 'Invalid token' }] });
      expect(verifyCalls - before).toBe(0);
    };
    await refused();
    expect((await me(low)).body.data?.me.id).toBe(id);
    // The low-S spelling is in the verified-token cache now; its twin still is not.
    await refused();
  });

  it('every token it signs is low-S, and verifies with jose and with node:crypto', async () => {
    const { id } = await app.signup();
    const user = (await app.services.users.findById(id))!;
    const jwks = createLocalJWKSet(await (await app.yoga.fetch('http://localhost/.well-known/jwks.json')).json());
    const publicKey = createPublicKey(pair.publicKey);
    // Unnormalised, half of all ECDSA signatures are high-S: 256 in a row low by chance is 2^-256.
    for (let i = 0; i < 256; i++) {
      const token = await app.services.tokens.sign(user);
      expect(isHighS(token), token).toBe(false);
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: ['ES256'],
        issuer: 'graphql-auth-api',
        audience: 'graphql-auth-api',
      });
      expect(payload.sub).toBe(id);
      const [h, p, sig] = token.split('.');
      const signature = Buffer.from(sig!, 'base64url');
      expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
        true,
      );
    }
  });

  it('"psychic signatures" (CVE-2022-21449): r = s = 0 is refused', async () => {
    const { token, id } = await app.signup();
    const [h] = token.split('.');
    const payload = b64({
      sub: id,
      ver: 0,
      role: 'USER',
      iss: 'graphql-auth-api',
      aud: 'graphql-auth-api',
      iat: now(),
      exp: now() + 60,
    });
    const zero = Buffer.alloc(64).toString('base64url');
    expect((await app.gql('{ me { id } }', undefined, { token: `${h}.${payload}.${zero}` })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('a P-384 key under an ES256 kid cannot exist: only our keys have kids', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES384', typ: 'JWT' }).sign(privateKey);
    expect((await app.gql('{ me { id } }', undefined, { token })).code).toBe('UNAUTHENTICATED');
  });
});
