import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Outside production, a missing MFA_ENCRYPTION_KEY is replaced by a random one kept in the data
 * folder (as ./dev-secret.ts does for JWT_SECRET), so TOTP secrets stay readable across
 * restarts on a developer's machine. Losing this file means every enrolled authenticator has to
 * be set up again: production refuses to start without the setting instead (src/config.ts).
 */
export function loadOrCreateDevMfaKey(dataDir: string): { key: Uint8Array; file: string; created: boolean } {
  const file = path.join(dataDir, 'mfa-encryption-key');
  try {
    const existing = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
    if (existing.byteLength === 32) return { key: new Uint8Array(existing), file, created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // wx: two instances starting together on one data folder must not each write a different key.
  try {
    fs.writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevMfaKey(dataDir);
    throw e;
  }
  return { key: new Uint8Array(key), file, created: true };
}
