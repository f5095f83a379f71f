import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import type { JwtConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { AsymmetricAlgorithm } from './key-config.js';

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

/**
 * The same for an asymmetric JWT_ALGORITHM: a PKCS#8 key made once per algorithm
 * (`DATA_DIR/jwt-<alg>-private.pem`, mode 0600) and reused on every start, so tokens and a
 * downstream service's cached JWKS survive restarts. Two processes starting at once agree on one
 * file: it is created exclusively, and the loser reads the winner's.
 */
export async function loadOrCreateDevPrivateKey(
  dataDir: string,
  alg: AsymmetricAlgorithm,
): Promise<{ privateKey: string; file: string; created: boolean }> {
  const file = path.join(dataDir, `jwt-${alg.toLowerCase()}-private.pem`);
  const read = () => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  const existing = read();
  if (existing?.includes('-----END PRIVATE KEY-----')) return { privateKey: existing, file, created: false };
  fs.mkdirSync(dataDir, { recursive: true });
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 3072 } : {}),
  });
  const pem = await exportPKCS8(privateKey);
  try {
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const theirs = read();
    if (theirs) return { privateKey: theirs, file, created: false };
  }
  return { privateKey: pem, file, created: true };
}

/**
 * The JWT settings with key material in place: as configured, or (outside production only; the
 * configuration refuses production without it) generated into DATA_DIR with a warning.
 */
export async function withDevKeys(jwt: JwtConfig, dataDir: string, logger: Logger): Promise<JwtConfig> {
  if (jwt.algorithm === 'HS256') {
    if (jwt.secret) return jwt;
    const dev = loadOrCreateDevSecret(dataDir);
    logger.warn(
      `JWT_SECRET is not set: using a ${dev.created ? 'new' : 'stored'} development secret from ${dev.file}. ` +
        'Set JWT_SECRET (at least 32 random bytes) before running in production.',
    );
    return { ...jwt, secret: dev.secret };
  }
  if (jwt.privateKey) return jwt;
  const dev = await loadOrCreateDevPrivateKey(dataDir, jwt.algorithm);
  logger.warn(
    `JWT_PRIVATE_KEY is not set: signing ${jwt.algorithm} tokens with a ${dev.created ? 'new' : 'stored'} development key from ${dev.file}. ` +
      'Set JWT_PRIVATE_KEY before running in production.',
  );
  return { ...jwt, privateKey: dev.privateKey };
}
