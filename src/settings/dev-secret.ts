import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AsymmetricAlgorithm } from './jwt-keys.js';

/**
 * Outside production, a missing JWT_SECRET is replaced by a random one kept in the data folder,
 * so tokens survive restarts on a developer's machine without a secret ever living in the code.
 */
export function loadOrCreateDevSecret(dataDir: string): { secret: Uint8Array; file: string; created: boolean } {
  const file = path.join(dataDir, 'jwt-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return { secret: new TextEncoder().encode(existing), file, created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(48).toString('base64url');
  fs.writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { secret: new TextEncoder().encode(value), file, created: true };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The same for an asymmetric JWT_ALGORITHM: a PKCS#8 key made once per algorithm
 * (`DATA_DIR/jwt-<alg>-private.pem`, mode 0600) and reused on every start, so tokens, and a
 * downstream service's cached JWKS, survive restarts. node:crypto makes it (loadConfig is
 * synchronous; jose imports it like any configured key). Two processes starting at once agree on
 * one file: it is created exclusively, and the loser reads the winner's.
 */
export function loadOrCreateDevPrivateKey(
  dataDir: string,
  alg: AsymmetricAlgorithm,
): { privateKey: string; file: string; created: boolean } {
  const file = path.join(dataDir, `jwt-${alg.toLowerCase()}-private.pem`);
  const existing = readIfExists(file);
  if (existing?.includes('-----END PRIVATE KEY-----')) return { privateKey: existing, file, created: false };
  fs.mkdirSync(dataDir, { recursive: true });
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 3072 });
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    fs.writeFileSync(file, privateKey, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const theirs = readIfExists(file);
    if (theirs) return { privateKey: theirs, file, created: false };
  }
  return { privateKey, file, created: true };
}
