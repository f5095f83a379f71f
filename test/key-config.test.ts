import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenSigner } from '../src/auth/jwt.js';
import { ConfigError, loadConfig as load } from '../src/config.js';
import { ASYMMETRIC, newKeyPair } from './helpers/keys.js';

// Outside production an unset key is generated into DATA_DIR: every load here gets its own.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gql-auth-keycfg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const loadConfig = (env: Record<string, string>) => load({ DATA_DIR: fs.mkdtempSync(path.join(tmp, 'd-')), ...env });
/** Production needs the TOTP-secret key too; these tests are about the JWT key. */
const MFA_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
const prod = (env: Record<string, string>) => () => loadConfig({ NODE_ENV: 'production', MFA_ENCRYPTION_KEY, ...env });

describe('JWT_ALGORITHM and JWT_PRIVATE_KEY', () => {
  it('defaults to HS256, takes the four names in any case, refuses others', () => {
    expect(loadConfig({}).jwt.algorithm).toBe('HS256');
    expect(loadConfig({ JWT_ALGORITHM: 'eddsa' }).jwt.algorithm).toBe('EdDSA');
    expect(loadConfig({ JWT_ALGORITHM: 'es256' }).jwt.algorithm).toBe('ES256');
    for (const bad of ['HS512', 'PS256', 'none', 'ES384']) {
      expect(() => loadConfig({ JWT_ALGORITHM: bad })).toThrow(
        /JWT_ALGORITHM must be one of HS256, EdDSA, ES256, RS256/,
      );
    }
  });

  it.each(ASYMMETRIC)('production refuses %s without a key, and says how to make one', (alg) => {
    const expected = {
      EdDSA: 'openssl genpkey -algorithm ed25519 -out jwt-private.pem',
      ES256: 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt-private.pem',
      RS256: 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out jwt-private.pem',
    }[alg];
    const run = prod({ JWT_ALGORITHM: alg });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(`JWT_PRIVATE_KEY is required in production with JWT_ALGORITHM=${alg}`);
    expect(run).toThrow(expected);
    // ...and needs no JWT_SECRET once it has one.
    expect(prod({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: newKeyPair(alg).privateKey })().jwt.privateKey).toMatch(
      /^-----BEGIN PRIVATE KEY-----/,
    );
  });

  it.each(ASYMMETRIC)('refuses a key that does not fit %s, naming the one that would', (alg) => {
    for (const other of ASYMMETRIC.filter((a) => a !== alg)) {
      const run = prod({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: newKeyPair(other).privateKey });
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(new RegExp(`does not fit JWT_ALGORITHM=${alg} \\(it fits ${other}\\).*openssl genpkey`));
    }
  });

  it('refuses weak or unsupported keys: P-384 for ES256, 1024-bit RSA, secp256k1', () => {
    const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
      k.export({ type: 'pkcs8', format: 'pem' }).toString();
    const p384 = pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    expect(prod({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: p384 })).toThrow(
      /an EC key on secp384r1, which does not fit/,
    );
    const k1 = pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey);
    expect(prod({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: k1 })).toThrow(/secp256k1, which does not fit/);
    const rsa1024 = pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    expect(prod({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: rsa1024 })).toThrow(
      /a 1024-bit RSA key, which does not fit/,
    );
  });

  it('refuses SEC1 and PKCS#1 PEMs with the conversion command, and garbage', () => {
    const sec1 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'sec1', format: 'pem' })
      .toString();
    expect(prod({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: sec1 })).toThrow(
      /not "EC PRIVATE KEY".*openssl pkcs8 -topk8 -nocrypt -in old.pem -out jwt-private.pem/,
    );
    const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    expect(prod({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pkcs1 })).toThrow(/not "RSA PRIVATE KEY"/);
    expect(
      prod({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }),
    ).toThrow(/not a readable private key/);
    // Outside production too: a key that is set but wrong is never silently replaced.
    expect(() => loadConfig({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: sec1 })).toThrow(ConfigError);
  });

  it('refuses JWT_PRIVATE_KEY under HS256, which would silently ignore it', () => {
    expect(() => loadConfig({ JWT_PRIVATE_KEY: newKeyPair('EdDSA').privateKey })).toThrow(
      /JWT_PRIVATE_KEY is set but JWT_ALGORITHM is HS256/,
    );
  });

  it('takes the PEM inline, with \\n escapes, or as a file path', () => {
    const { privateKey } = newKeyPair('EdDSA');
    const escaped = privateKey.trim().replace(/\n/g, '\\n');
    expect(loadConfig({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: escaped }).jwt.privateKey).toBe(privateKey.trim());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keycfg-'));
    const file = path.join(dir, 'key.pem');
    fs.writeFileSync(file, privateKey);
    expect(loadConfig({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: file }).jwt.privateKey).toBe(privateKey.trim());
    expect(() => loadConfig({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: path.join(dir, 'missing.pem') })).toThrow(
      /must be a PEM .* or the path of a file holding one; could not read .*ENOENT/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('JWT_NEXT_PUBLIC_KEY and JWT_PREVIOUS_PUBLIC_KEYS', () => {
  it('take SPKI PEMs, one after another, of any supported algorithm', () => {
    const keys = ASYMMETRIC.map((a) => newKeyPair(a).publicKey);
    const c = loadConfig({
      JWT_ALGORITHM: 'EdDSA',
      JWT_NEXT_PUBLIC_KEY: keys[0]!,
      JWT_PREVIOUS_PUBLIC_KEYS: keys.join('\n'),
    });
    expect(c.jwt.previousPublicKeys).toHaveLength(3);
    expect(c.jwt.nextPublicKey).toBe(keys[0]!.trim());
  });

  it('refuse a private key where a public one belongs, and unsupported public keys', () => {
    const priv = newKeyPair('ES256').privateKey;
    expect(() => loadConfig({ JWT_PREVIOUS_PUBLIC_KEYS: priv })).toThrow(
      /must hold public keys .*openssl pkey -in jwt-private.pem -pubout/,
    );
    expect(() => loadConfig({ JWT_NEXT_PUBLIC_KEY: priv })).toThrow(/must hold public keys/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => loadConfig({ JWT_PREVIOUS_PUBLIC_KEYS: p384 })).toThrow(/holds an EC key on secp384r1; accepted are/);
    expect(() => loadConfig({ JWT_PREVIOUS_PUBLIC_KEYS: 'not a pem' })).toThrow(/could not read/);
    const two = `${newKeyPair('EdDSA').publicKey}${newKeyPair('EdDSA').publicKey}`;
    expect(() => loadConfig({ JWT_NEXT_PUBLIC_KEY: two })).toThrow(/exactly one public key/);
  });

  it('JWKS_MAX_AGE is a whole number of seconds, 300 by default', () => {
    expect(loadConfig({}).jwt.jwksMaxAge).toBe(300);
    expect(loadConfig({ JWKS_MAX_AGE: '0' }).jwt.jwksMaxAge).toBe(0);
    expect(() => loadConfig({ JWKS_MAX_AGE: '1.5' })).toThrow(/JWKS_MAX_AGE must be a whole number/);
  });
});

describe('the development key', () => {
  it.each(ASYMMETRIC)('%s: generated once into DATA_DIR (0600), reused after', async (alg) => {
    const dir = fs.mkdtempSync(path.join(tmp, 'devkey-'));
    const first = load({ JWT_ALGORITHM: alg, DATA_DIR: dir });
    const file = path.join(dir, `jwt-${alg.toLowerCase()}-private.pem`);
    expect(first.jwt.devKey).toEqual({ file, created: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.jwt.privateKey).toBe(fs.readFileSync(file, 'utf8'));
    // Nothing of HS256 is made or kept for it.
    expect(first.jwt.secret).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'jwt-secret'))).toBe(false);
    // The generated key passes the same check a configured one does.
    expect(loadConfig({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: first.jwt.privateKey! }).jwt.privateKey).toBeTruthy();

    const second = load({ JWT_ALGORITHM: alg, DATA_DIR: dir });
    expect(second.jwt.devKey).toEqual({ file, created: false });
    expect(second.jwt.privateKey).toBe(first.jwt.privateKey);
    // Same key, same kid: a token from before the restart verifies after it.
    const before = await createTokenSigner(first.jwt);
    const after = await createTokenSigner(second.jwt);
    const token = await before.sign({ id: 'u1', tokenVersion: 0, role: 'USER' });
    expect((await after.verify(token)).sub).toBe('u1');
    expect(after.jwks).toEqual(before.jwks);
  });

  it('is never made when a key is configured, nor in production', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'devkey-'));
    const c = load({ JWT_ALGORITHM: 'EdDSA', DATA_DIR: dir, JWT_PRIVATE_KEY: newKeyPair('EdDSA').privateKey });
    expect(c.jwt.devKey).toBeUndefined();
    expect(() => load({ NODE_ENV: 'production', JWT_ALGORITHM: 'EdDSA', DATA_DIR: dir, MFA_ENCRYPTION_KEY })).toThrow(
      ConfigError,
    );
    // (Outside production the MFA key is generated there too; no JWT key ever is.)
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('jwt'))).toEqual([]);
  });
});
