import { describe, expect, it } from 'vitest';
import { assertPasswordPolicy, createPasswordHasher } from '../src/auth/password.js';

describe('password hashing', () => {
  it('hashes with argon2id in PHC format and verifies', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 10 });
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(stored, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(stored, 'wrong horse battery')).toBe(false);
  });

  it('salts every hash', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 10 });
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('answers false for an unknown account (no stored hash) after doing the same work', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 10 });
    expect(await hasher.verify(undefined, 'anything at all')).toBe(false);
  });

  it('treats a corrupt stored hash as a wrong password, not a crash', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 10 });
    expect(await hasher.verify('not-a-hash', 'anything at all')).toBe(false);
  });

  it('asks for a rehash when the stored parameters are weaker than today', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 10 });
    const current = await hasher.hash('pw-pw-pw-pw');
    expect(hasher.needsRehash(current)).toBe(false);
    expect(hasher.needsRehash('$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$hash')).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuu5a2ZLcJ6J8tBLVtnxNe1yHvGm5N0q8S')).toBe(true);
  });

  it('runs at most `concurrency` hashes at once and queues the rest', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, queueLimit: 10 });
    const jobs = Array.from({ length: 6 }, (_, i) => hasher.hash(`password-${i}`));
    await new Promise((r) => setImmediate(r));
    expect(hasher.stats()).toEqual({ active: 2, pending: 4 });
    await Promise.all(jobs);
    expect(hasher.stats()).toEqual({ active: 0, pending: 0 });
  });

  it('refuses work with RATE_LIMITED when the queue is full, instead of growing without bound', async () => {
    const hasher = await createPasswordHasher({ concurrency: 1, queueLimit: 2 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => hasher.hash(`password-${i}`)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      extensions: { code: 'RATE_LIMITED', retryAfter: 1 },
    });
  });
});

describe('password policy', () => {
  it('allows 8 to 256 characters', () => {
    expect(() => assertPasswordPolicy('12345678')).not.toThrow();
    expect(() => assertPasswordPolicy('x'.repeat(256))).not.toThrow();
    expect(() => assertPasswordPolicy('1234567')).toThrowError(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'password' } }),
    );
    expect(() => assertPasswordPolicy('x'.repeat(257))).toThrowError(/at most 256/);
  });
});
