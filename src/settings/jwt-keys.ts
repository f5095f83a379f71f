import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { integer, setting } from '../settings/define.js';
import type { SettingIssue } from '../settings/load.js';

/**
 * The signing-key settings (JWT_ALGORITHM, JWT_PRIVATE_KEY, JWT_NEXT_PUBLIC_KEY,
 * JWT_PREVIOUS_PUBLIC_KEYS, JWKS_MAX_AGE), as entries of the settings schema (src/config.ts).
 * They are read and checked when the configuration loads, so a key that cannot work stops the
 * start with a message that says how to make one, instead of failing at the first sign-in.
 * Node's synchronous key parser does the checking; jose imports the keys once, later
 * (src/auth/keys.ts).
 */

export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>;

/** RSA below this is breakable in the lifetime of a deployment (NIST SP 800-57). */
export const MIN_RSA_BITS = 2048;

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

type Ctx = z.RefinementCtx;
const fail = (ctx: Ctx, message: string) => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

/**
 * A PEM given inline (real newlines, or `\n` escapes as many .env files and CI secret stores
 * write them), or the path of a file holding it (a Docker or Kubernetes secret mount).
 */
function pemOrFile(raw: string, ctx: Ctx): string {
  const value = raw.trim().replace(/\\n/g, '\n');
  if (value.startsWith('-----BEGIN')) return value;
  try {
    return fs.readFileSync(value, 'utf8').trim();
  } catch (e) {
    return fail(
      ctx,
      'must be a PEM (starting with -----BEGIN) or the path of a file holding one; ' +
        `could not read "${value}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Every PEM block in a value, in order ("one after another", blank lines or not). */
function splitPems(text: string): string[] {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g) ?? [];
}

/** An unencrypted PKCS#8 private key that node:crypto can read; whether it fits the algorithm is a rule. */
const privateKeyPem = z.string().transform((raw, ctx): string => {
  const pem = pemOrFile(raw, ctx);
  if (pem === z.NEVER) return z.NEVER;
  // PKCS#8 only: that is what jose imports, and it names its algorithm inside the key. A SEC1
  // ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") file converts without loss.
  if (!/^-----BEGIN PRIVATE KEY-----/.test(pem)) {
    const label = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1] ?? 'unknown';
    return fail(
      ctx,
      `must be an unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), not "${label}". ` +
        'Convert one with: openssl pkcs8 -topk8 -nocrypt -in old.pem -out jwt-private.pem',
    );
  }
  try {
    createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    return fail(ctx, `is not a readable private key (${(e as Error).message})`);
  }
  return pem;
});

function publicKey(pem: string, ctx: Ctx): string {
  if (!/^-----BEGIN PUBLIC KEY-----/.test(pem)) {
    // Never accept a private key where only a public one belongs: it would sit in more places than needed.
    return fail(
      ctx,
      `must hold public keys (-----BEGIN PUBLIC KEY-----, SPKI); derive one with: ${PUBLIC_KEY_COMMAND}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    return fail(ctx, `holds a public key that does not parse: ${(e as Error).message}`);
  }
  if (!algorithmOfKey(key)) {
    return fail(
      ctx,
      `holds ${describeKey(key)}; accepted are Ed25519 (EdDSA), P-256 (ES256) and RSA of at least ${MIN_RSA_BITS} bits (RS256)`,
    );
  }
  return pem;
}

const publicKeyPems = z.string().transform((raw, ctx): string[] => {
  const text = pemOrFile(raw, ctx);
  if (text === z.NEVER) return z.NEVER;
  const pems = splitPems(text);
  if (pems.length === 0) return fail(ctx, 'holds no PEM block (-----BEGIN PUBLIC KEY-----)');
  const out: string[] = [];
  for (const p of pems) {
    const checked = publicKey(p, ctx);
    if (checked === z.NEVER) return z.NEVER;
    out.push(checked);
  }
  return out;
});

export const jwtKeySettings = {
  algorithm: setting<JwtAlgorithm>('JWT_ALGORITHM', {
    description:
      '`HS256` signs with the shared `JWT_SECRET`; `EdDSA`, `ES256` or `RS256` sign with `JWT_PRIVATE_KEY`, and other services verify ' +
      'the tokens from `/.well-known/jwks.json` (see [Tokens other services verify](#tokens-other-services-verify))',
    allowed: '`HS256`, `EdDSA`, `ES256` or `RS256` (any case)',
    schema: z.string().transform((raw, ctx): JwtAlgorithm => {
      const alg = JWT_ALGORITHMS.find((a) => a.toLowerCase() === raw.toLowerCase());
      return alg ?? fail(ctx, `must be one of ${JWT_ALGORITHMS.join(', ')}`);
    }),
    default: 'HS256',
  }),
  privateKey: setting<string | undefined>('JWT_PRIVATE_KEY', {
    description:
      'for `EdDSA`, `ES256` or `RS256`: the signing key as an unencrypted PKCS#8 PEM, inline (newlines or `\\n` escapes) or as the ' +
      'path of a file holding it (a mounted secret). It must fit the algorithm: Ed25519, P-256, or RSA of at least 2048 bits. ' +
      'Production refuses to start without it, or with one that does not fit, and prints the `openssl genpkey` command. ' +
      'Outside production one is generated once into `DATA_DIR/jwt-<alg>-private.pem` (mode 0600), with a warning',
    allowed: 'PKCS#8 PEM, or a file path',
    schema: privateKeyPem,
    default: () => undefined,
    defaultText: 'production: **required** for EdDSA/ES256/RS256; otherwise generated',
    sensitive: true,
    example: 'JWT_PRIVATE_KEY=',
  }),
  nextPublicKey: setting<string | undefined>('JWT_NEXT_PUBLIC_KEY', {
    description:
      'the public key that will sign next: published in the JWKS and accepted before it signs (rotation step 1)',
    allowed: 'one SPKI PEM, or a file path',
    schema: publicKeyPems
      .pipe(z.array(z.string()).length(1, { error: 'must hold exactly one public key' }))
      .transform((pems) => pems[0]),
    default: () => undefined,
    defaultText: 'none',
    sensitive: true,
  }),
  previousPublicKeys: setting<string[]>('JWT_PREVIOUS_PUBLIC_KEYS', {
    description:
      'public keys of earlier signing keys: their tokens are still accepted until they expire, and they stay in the JWKS, so a key ' +
      'rotates without signing anyone out. Any of the three algorithms, whatever signs now',
    allowed: 'SPKI PEMs one after another, or a file path',
    schema: publicKeyPems,
    default: [] as string[],
    defaultText: 'none',
    sensitive: true,
  }),
  jwksMaxAge: integer('JWKS_MAX_AGE', {
    default: 300,
    min: 0,
    max: 86_400,
    description:
      '`Cache-Control: max-age` of `/.well-known/jwks.json`, in seconds: how long verifiers may cache the key set',
  }),
};

interface KeyChoice {
  algorithm: JwtAlgorithm;
  privateKey: string | undefined;
}

/** The rules that need JWT_ALGORITHM and the key together; each names the setting to change. */
export function keyRules(jwt: KeyChoice, production: boolean): SettingIssue | undefined {
  const alg = jwt.algorithm;
  if (alg === 'HS256') {
    return jwt.privateKey
      ? {
          setting: 'JWT_PRIVATE_KEY',
          message:
            'is set but JWT_ALGORITHM is HS256 (the default), which signs with JWT_SECRET; ' +
            'set JWT_ALGORITHM=EdDSA, ES256 or RS256 to sign with the key',
        }
      : undefined;
  }
  if (!jwt.privateKey) {
    return production
      ? {
          setting: 'JWT_PRIVATE_KEY',
          message: `is required in production with JWT_ALGORITHM=${alg}: make a key with ${keyCommand(alg)} and set JWT_PRIVATE_KEY to the file's contents or its path`,
        }
      : undefined;
  }
  const key = createPrivateKey(jwt.privateKey);
  const fits = algorithmOfKey(key);
  if (fits === alg) return undefined;
  return {
    setting: 'JWT_PRIVATE_KEY',
    message: `is ${describeKey(key)}, which does not fit JWT_ALGORITHM=${alg}${fits ? ` (it fits ${fits})` : ''}; make one with: ${keyCommand(alg)}`,
  };
}
