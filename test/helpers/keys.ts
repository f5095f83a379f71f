import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import type { AsymmetricAlgorithm } from '../../src/settings/jwt-keys.js';

export const ASYMMETRIC: AsymmetricAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

export interface PemPair {
  alg: AsymmetricAlgorithm;
  /** PKCS#8, as JWT_PRIVATE_KEY takes it. */
  privateKey: string;
  /** SPKI, as JWT_NEXT_PUBLIC_KEY and JWT_PREVIOUS_PUBLIC_KEYS take it. */
  publicKey: string;
}

/** A fresh key pair for `alg`, made the way the README's openssl commands make one. */
export function newKeyPair(alg: AsymmetricAlgorithm): PemPair {
  const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;
  const spki = { type: 'spki', format: 'pem' } as const;
  let pair: { privateKey: string; publicKey: string };
  if (alg === 'EdDSA') pair = generateKeyPairSync('ed25519', { privateKeyEncoding: pkcs8, publicKeyEncoding: spki });
  else if (alg === 'ES256')
    pair = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: pkcs8, publicKeyEncoding: spki });
  else pair = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: pkcs8, publicKeyEncoding: spki });
  return { alg, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The env that makes a server sign with `pair`. */
export function keyEnv(pair: PemPair, extra: Record<string, string> = {}): Record<string, string> {
  return { JWT_ALGORITHM: pair.alg, JWT_PRIVATE_KEY: pair.privateKey, ...extra };
}

/** P-256's group order n: an ECDSA signature (r, s) verifies exactly as (r, n - s) does. */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const sOf = (token: string): bigint =>
  BigInt(`0x${Buffer.from(token.split('.')[2]!, 'base64url').subarray(32).toString('hex')}`);

/** Whether an ES256 token's signature has s > n/2 (the half the server neither writes nor accepts). */
export function isHighS(token: string): boolean {
  return sOf(token) > P256_N / 2n;
}

/**
 * The other spelling of an ES256 token: the same header and claims, its signature's s replaced by
 * n - s, which verifies under the same key (ECDSA malleability). Written here apart from the
 * server's own code (src/auth/compact-form.ts), so the tests do not check that code against itself.
 */
export function ecdsaTwin(token: string): string {
  const [h, p, sig] = token.split('.');
  const bytes = Buffer.from(sig!, 'base64url');
  if (bytes.length !== 64) throw new Error('not an ES256 signature');
  Buffer.from((P256_N - sOf(token)).toString(16).padStart(64, '0'), 'hex').copy(bytes, 32);
  return `${h}.${p}.${bytes.toString('base64url')}`;
}

/**
 * A compact JWS over any header and claims, signed with `pair` by node:crypto directly: for
 * headers jose refuses to write (crit, b64) and forged tokens under someone else's kid. An ES256
 * signature is written low-S, as the server writes its own (a high-S one is refused).
 */
export function signRaw(pair: PemPair, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  const key = createPrivateKey(pair.privateKey);
  const sig =
    pair.alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key)
      : sign('sha256', Buffer.from(input), pair.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  const token = `${input}.${sig.toString('base64url')}`;
  return pair.alg === 'ES256' && isHighS(token) ? ecdsaTwin(token) : token;
}
