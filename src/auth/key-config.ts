import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';

/**
 * The signing-key settings (JWT_ALGORITHM, JWT_PRIVATE_KEY, JWT_NEXT_PUBLIC_KEY,
 * JWT_PREVIOUS_PUBLIC_KEYS, JWKS_MAX_AGE), read and checked when the configuration loads, so a
 * key that cannot work stops the server at start with a message that says how to make one,
 * instead of failing at the first sign-in. Node's synchronous key parser does the checking; jose
 * imports the keys once, later (src/auth/keys.ts).
 */

export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>;

/** RSA below this is breakable in the lifetime of a deployment (NIST SP 800-57). */
export const MIN_RSA_BITS = 2048;

export interface JwtKeyConfig {
  /** @default 'HS256' */
  algorithm: JwtAlgorithm;
  /**
   * The signing key, a PKCS#8 PEM (asymmetric algorithms only). `undefined` outside production
   * means "generate one into DATA_DIR" (src/auth/dev-keys.ts).
   */
  privateKey: string | undefined;
  /** Published in the JWKS and accepted before it signs, for a rotation (SPKI PEM). */
  nextPublicKey: string | undefined;
  /** Earlier signing keys (SPKI PEMs): still accepted, still published. */
  previousPublicKeys: string[];
  /** Cache-Control max-age of the JWKS, in seconds. @default 300 */
  jwksMaxAge: number;
}

export class KeyConfigError extends Error {
  override name = 'ConfigError';
}

/** How to make a key that fits `alg`, for error messages and the README. */
export function keyCommand(alg: AsymmetricAlgorithm): string {
  const args = {
    EdDSA: '-algorithm ed25519',
    ES256: '-algorithm EC -pkeyopt ec_paramgen_curve:P-256',
    RS256: '-algorithm RSA -pkeyopt rsa_keygen_bits:3072',
  }[alg];
  return `openssl genpkey ${args} -out jwt-private.pem`;
}

const PUBLIC_KEY_COMMAND = 'openssl pkey -in jwt-private.pem -pubout -out jwt-public.pem';

/** The algorithm a key can sign for: each key is pinned to exactly one. */
export function algorithmOfKey(key: KeyObject): AsymmetricAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : undefined;
    case 'rsa':
      return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? 'RS256' : undefined;
    default:
      return undefined;
  }
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') return `an EC key on ${d?.namedCurve}`;
  if (key.asymmetricKeyType === 'rsa') return `a ${d?.modulusLength}-bit RSA key`;
  return `a ${key.asymmetricKeyType} key`;
}

/**
 * A PEM given inline (real newlines, or `\n` escapes as many .env files and CI secret stores
 * write them), or the path of a file holding it (a Docker or Kubernetes secret mount).
 */
function pemOrFile(name: string, raw: string): string {
  const value = raw.trim().replace(/\\n/g, '\n');
  if (value.startsWith('-----BEGIN')) return value;
  try {
    return fs.readFileSync(value, 'utf8').trim();
  } catch (e) {
    throw new KeyConfigError(
      `${name} must be a PEM (starting with -----BEGIN) or the path of a file holding one; ` +
        `could not read "${value}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function parsePrivateKey(pem: string, alg: AsymmetricAlgorithm): string {
  // PKCS#8 only: that is what jose imports, and it names its algorithm inside the key. A SEC1
  // ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") file converts without loss.
  if (!/^-----BEGIN PRIVATE KEY-----/.test(pem)) {
    const label = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1] ?? 'unknown';
    throw new KeyConfigError(
      `JWT_PRIVATE_KEY must be an unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), not "${label}". ` +
        `Convert one with: openssl pkcs8 -topk8 -nocrypt -in old.pem -out jwt-private.pem; or make a new one: ${keyCommand(alg)}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KeyConfigError(
      `JWT_PRIVATE_KEY is not a readable private key (${(e as Error).message}); make one with: ${keyCommand(alg)}`,
    );
  }
  const fits = algorithmOfKey(key);
  if (fits !== alg) {
    throw new KeyConfigError(
      `JWT_PRIVATE_KEY is ${describeKey(key)}, which does not fit JWT_ALGORITHM=${alg}` +
        `${fits ? ` (it fits ${fits})` : ''}; make one with: ${keyCommand(alg)}`,
    );
  }
  return pem;
}

function parsePublicKey(name: string, pem: string): string {
  if (!/^-----BEGIN PUBLIC KEY-----/.test(pem)) {
    // Never accept a private key where only a public one belongs: it would sit in more places than needed.
    throw new KeyConfigError(
      `${name} must hold public keys (-----BEGIN PUBLIC KEY-----, SPKI); derive one with: ${PUBLIC_KEY_COMMAND}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KeyConfigError(`${name} holds a public key that does not parse: ${(e as Error).message}`);
  }
  if (!algorithmOfKey(key)) {
    throw new KeyConfigError(
      `${name} holds ${describeKey(key)}; accepted are Ed25519 (EdDSA), P-256 (ES256) and RSA of at least ${MIN_RSA_BITS} bits (RS256)`,
    );
  }
  return pem;
}

/** Every PEM block in a value, in order ("one after another", blank lines or not). */
function splitPems(text: string): string[] {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g) ?? [];
}

export function parseJwtKeyConfig(env: Record<string, string | undefined>, production: boolean): JwtKeyConfig {
  const algRaw = env.JWT_ALGORITHM?.trim() || 'HS256';
  const algorithm = JWT_ALGORITHMS.find((a) => a.toLowerCase() === algRaw.toLowerCase());
  if (!algorithm) {
    throw new KeyConfigError(`JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')}; got "${algRaw}"`);
  }

  let privateKey: string | undefined;
  const privateRaw = env.JWT_PRIVATE_KEY?.trim();
  if (algorithm === 'HS256') {
    if (privateRaw) {
      throw new KeyConfigError(
        'JWT_PRIVATE_KEY is set but JWT_ALGORITHM is HS256 (the default), which signs with JWT_SECRET; ' +
          'set JWT_ALGORITHM=EdDSA, ES256 or RS256 to sign with the key',
      );
    }
  } else if (privateRaw) {
    privateKey = parsePrivateKey(pemOrFile('JWT_PRIVATE_KEY', privateRaw), algorithm);
  } else if (production) {
    throw new KeyConfigError(
      `JWT_PRIVATE_KEY is required in production with JWT_ALGORITHM=${algorithm}: make a key with ` +
        `${keyCommand(algorithm)} and set JWT_PRIVATE_KEY to the file's contents or its path`,
    );
  }

  const nextRaw = env.JWT_NEXT_PUBLIC_KEY?.trim();
  let nextPublicKey: string | undefined;
  if (nextRaw) {
    const pems = splitPems(pemOrFile('JWT_NEXT_PUBLIC_KEY', nextRaw));
    if (pems.length !== 1) throw new KeyConfigError(`JWT_NEXT_PUBLIC_KEY must hold exactly one public key`);
    nextPublicKey = parsePublicKey('JWT_NEXT_PUBLIC_KEY', pems[0]!);
  }

  const previousRaw = env.JWT_PREVIOUS_PUBLIC_KEYS?.trim();
  const previousPublicKeys = previousRaw
    ? splitPems(pemOrFile('JWT_PREVIOUS_PUBLIC_KEYS', previousRaw)).map((p) =>
        parsePublicKey('JWT_PREVIOUS_PUBLIC_KEYS', p),
      )
    : [];
  if (previousRaw && previousPublicKeys.length === 0) {
    throw new KeyConfigError('JWT_PREVIOUS_PUBLIC_KEYS holds no PEM block (-----BEGIN PUBLIC KEY-----)');
  }

  const maxAgeRaw = env.JWKS_MAX_AGE?.trim();
  const jwksMaxAge = maxAgeRaw ? Number(maxAgeRaw) : 300;
  if (!Number.isInteger(jwksMaxAge) || jwksMaxAge < 0 || jwksMaxAge > 86_400) {
    throw new KeyConfigError(`JWKS_MAX_AGE must be a whole number from 0 to 86400; got "${maxAgeRaw}"`);
  }
  return { algorithm, privateKey, nextPublicKey, previousPublicKeys, jwksMaxAge };
}
