import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadOrCreateDevMfaKey } from '../../src/settings/dev-mfa-key.js';
import { createSecretBox } from '../../src/mfa/secret-box.js';
import { matchTotpStep, newTotpSecret, totpCode } from '../../src/mfa/totp.js';
import { startServer } from '../helpers/server.js';

const key = () => new Uint8Array(randomBytes(32));

describe('TOTP secrets at rest (AES-256-GCM)', () => {
  it('open what they sealed, for the same user only', () => {
    const box = createSecretBox(key());
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-a');
    expect(box.open(sealed, 'user-a')).toBe('JBSWY3DPEHPK3PXP');
    // Moved onto another user's row, the ciphertext does not open (the user id is authenticated data).
    expect(() => box.open(sealed, 'user-b')).toThrow();
    // A fresh IV each time: the same secret never seals to the same text.
    expect(box.seal('JBSWY3DPEHPK3PXP', 'user-a')).not.toBe(sealed);
  });

  it('refuse a changed ciphertext, a cut tag and another key', () => {
    const box = createSecretBox(key());
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'u');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([...parts.slice(0, 3), flipped.toString('base64url'), parts[4]].join('.'), 'u')).toThrow();
    const shortTag = Buffer.from(parts[4]!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open([...parts.slice(0, 4), shortTag].join('.'), 'u')).toThrow();
    expect(() => createSecretBox(key()).open(sealed, 'u')).toThrow(/unknown format or key/);
  });

  it('still open rows sealed with a key listed in MFA_PREVIOUS_ENCRYPTION_KEYS after a rotation', () => {
    const old = key();
    const sealed = createSecretBox(old).seal('SECRET', 'u');
    const rotated = createSecretBox(key(), [old]);
    expect(rotated.open(sealed, 'u')).toBe('SECRET');
    expect(rotated.seal('SECRET', 'u').split('.')[1]).not.toBe(sealed.split('.')[1]);
  });
});

describe('MFA_ENCRYPTION_KEY', () => {
  const prod = { NODE_ENV: 'production', JWT_SECRET: randomBytes(48).toString('base64url') };

  it('is optional in production (two-factor is then off, never a key of its own), and must be 32 bytes of base64 or hex', () => {
    expect(loadConfig(prod).mfa.encryptionKey).toBeUndefined();
    for (const bad of ['short', randomBytes(16).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(44)]) {
      expect(() => loadConfig({ ...prod, MFA_ENCRYPTION_KEY: bad }), bad).toThrowError(/32 random bytes/);
    }
    const bytes = randomBytes(32);
    for (const form of [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
      expect(loadConfig({ ...prod, MFA_ENCRYPTION_KEY: form }).mfa.encryptionKey).toEqual(new Uint8Array(bytes));
    }
  });

  it('a production server without it starts (as JWT_SECRET alone promises), says so, and answers MFA_UNAVAILABLE to setupTotp', async () => {
    const server = await startServer({ NODE_ENV: 'production', MFA_ENCRYPTION_KEY: '' });
    try {
      expect(server.output()).toContain('MFA_ENCRYPTION_KEY is not set: two-factor sign-in is unavailable');
      const user = await server.signup();
      const res = await server.gql(
        'mutation($p: String!) { setupTotp(currentPassword: $p) { secret } }',
        { p: user.password },
        { token: user.token },
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('MFA_UNAVAILABLE');
      expect(server.dataDir && fs.existsSync(path.join(server.dataDir, 'mfa-encryption-key'))).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('outside production, one is generated once into DATA_DIR (mode 600) and reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfa-key-'));
    try {
      const first = loadOrCreateDevMfaKey(dir);
      expect(first.created).toBe(true);
      expect(fs.statSync(path.join(dir, 'mfa-encryption-key')).mode & 0o777).toBe(0o600);
      const again = loadOrCreateDevMfaKey(dir);
      expect(again).toMatchObject({ created: false, key: first.key });
      expect(first.key.byteLength).toBe(32);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TOTP codes (RFC 6238)', () => {
  it('match the RFC 6238 SHA-1 test vectors', () => {
    // Appendix B: the ASCII secret "12345678901234567890", 8-digit codes; we use the last six.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(secret, 1_234_567_890_000)).toBe('005924');
    expect(totpCode(secret, 20_000_000_000_000)).toBe('353130');
  });

  it('accept one step of drift either way, and no more', () => {
    const secret = newTotpSecret();
    const t = 1_700_000_000_000;
    const step = Math.floor(t / 30_000);
    expect(matchTotpStep(secret, totpCode(secret, t), t)).toBe(step);
    expect(matchTotpStep(secret, totpCode(secret, t - 30_000), t)).toBe(step - 1);
    expect(matchTotpStep(secret, totpCode(secret, t + 30_000), t)).toBe(step + 1);
    expect(matchTotpStep(secret, totpCode(secret, t - 60_000), t)).toBeNull();
    expect(matchTotpStep(secret, totpCode(secret, t + 60_000), t)).toBeNull();
    expect(matchTotpStep(secret, 'abcdef', t)).toBeNull();
  });
});
