import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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
