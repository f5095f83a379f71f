import { describe, expect, it } from 'vitest';
import { isCommonPassword } from '../src/auth/common-passwords.js';
import { createHashQueue } from '../src/auth/hash-queue.js';
import { assertPasswordPolicy, createPasswordHasher } from '../src/auth/password.js';

/** Lets a finished job's bookkeeping run: it follows the caller's own continuation. */
const settle = () => new Promise((r) => setImmediate(r));

describe('password hashing', () => {
  it('hashes with argon2id in PHC format and verifies', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, maxWaitMs: 10_000 });
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(stored, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(stored, 'wrong horse battery')).toBe(false);
  });

  it('salts every hash', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, maxWaitMs: 10_000 });
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('answers false for an unknown account (no stored hash) after doing the same work', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, maxWaitMs: 10_000 });
    expect(await hasher.verify(undefined, 'anything at all')).toBe(false);
  });

  it('treats a corrupt stored hash as a wrong password, not a crash', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, maxWaitMs: 10_000 });
    expect(await hasher.verify('not-a-hash', 'anything at all')).toBe(false);
  });

  it('asks for a rehash when the stored parameters are weaker than today', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, maxWaitMs: 10_000 });
    const current = await hasher.hash('pw-pw-pw-pw');
    expect(hasher.needsRehash(current)).toBe(false);
    expect(hasher.needsRehash('$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$hash')).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuu5a2ZLcJ6J8tBLVtnxNe1yHvGm5N0q8S')).toBe(true);
  });

  it('runs at most `concurrency` hashes at once and queues the rest', async () => {
    const hasher = await createPasswordHasher({ concurrency: 2, maxWaitMs: 10_000 });
    const jobs = Array.from({ length: 6 }, (_, i) => hasher.hash(`password-${i}`));
    await new Promise((r) => setImmediate(r));
    expect(hasher.stats()).toMatchObject({ active: 2, pending: 4 });
    await Promise.all(jobs);
    expect(hasher.stats()).toMatchObject({ active: 0, pending: 0 });
  });

  it('admits by expected wait, not queue length: RATE_LIMITED beyond the bound, with an honest retryAfter', async () => {
    const hasher = await createPasswordHasher({ concurrency: 1, maxWaitMs: 1000 });
    const { jobMs } = hasher.stats();
    // About 1000 / jobMs hashes fit in the bound (a dozen or more at argon2's ~20-80 ms); send 3x that.
    const fits = Math.floor(1000 / jobMs);
    const burst = fits * 3 + 3;
    const jobs = Array.from({ length: burst }, (_, i) => hasher.hash(`password-${i}`));
    const waiting = hasher.stats();
    const results = await Promise.allSettled(jobs);
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Waiting requests are only closures; at most `concurrency` hashes (and their memory) run.
    expect(waiting.active).toBe(1);
    expect(admitted).toBeGreaterThanOrEqual(fits - 1);
    expect(admitted).toBeLessThanOrEqual(fits + 2);
    expect(refused).toHaveLength(burst - admitted);
    const reason = refused[0]!.reason as { extensions: { code: string; retryAfter: number } };
    expect(reason.extensions.code).toBe('RATE_LIMITED');
    // One hash has to finish before the next is admitted: retryAfter is that, rounded up to seconds.
    expect(reason.extensions.retryAfter).toBe(Math.max(1, Math.ceil(jobMs / 1000)));
  });

  it('a burst after a slow period is admitted by what a hash costs, not by the load that has gone', async () => {
    // Jobs that took 400 ms (a flood beside other traffic) left the estimate far above the 50 ms
    // a hash takes alone; the queue then emptied.
    const queue = createHashQueue({ concurrency: 1, maxWaitMs: 1000, initialJobMs: 50 });
    const slow = () => new Promise<string>((r) => setTimeout(() => r('slow'), 400));
    await Promise.all(Array.from({ length: 6 }, () => queue.run(slow)));
    await settle();
    expect(queue.stats().jobMs).toBeGreaterThan(350);
    // A new burst of 50 ms jobs, all arriving before any finishes: about 1000 / 50 fit the bound,
    // where the slow period's estimate would have admitted about 1000 / 400.
    const fast = () => new Promise<string>((r) => setTimeout(() => r('done'), 50));
    const results = await Promise.all(Array.from({ length: 40 }, () => queue.run(fast).catch((e: unknown) => e)));
    const admitted = results.filter((r) => r === 'done').length;
    expect(admitted).toBeGreaterThanOrEqual(19);
    expect(admitted).toBeLessThanOrEqual(22);
    // Within a busy period the estimate still follows the jobs: once most are slow, it is slow.
    const busy = Array.from({ length: 6 }, () => queue.run(slow));
    for (let i = 0; i < 4; i++) await busy[i];
    await settle();
    expect(queue.stats().jobMs).toBeLessThan(100);
    await busy[4];
    await settle();
    expect(queue.stats().jobMs).toBeGreaterThan(350);
    await Promise.all(busy);
  });

  it('a burst whose first jobs are held up by its own arrival is admitted by what the rest cost', async () => {
    // As in a real burst (BENCHMARKS.md, round eight): while requests keep arriving, the first
    // hashes get little CPU and take several times as long; the rest run at speed.
    const queue = createHashQueue({ concurrency: 1, maxWaitMs: 2000, initialJobMs: 50 });
    let started = 0;
    const job = () => {
      started += 1;
      return new Promise<string>((r) => setTimeout(() => r('done'), started <= 3 ? 250 : 50));
    };
    const results: Array<Promise<unknown>> = [];
    const arrive = (n: number) => {
      for (let i = 0; i < n; i++) results.push(queue.run(job).catch((e: unknown) => e));
    };
    // 36 requests in four waves, each after one of the slow jobs has finished. They drain in about
    // 3 x 250 + 33 x 50 ms = 2.4 s, the last waiting under 2 s: all fit the bound. A moving average
    // would have read 165 ms after the slow jobs and refused most of the last wave.
    arrive(9);
    for (let wave = 0; wave < 3; wave++) {
      await results[wave];
      await settle();
      arrive(9);
    }
    const settled = await Promise.all(results);
    expect(settled.filter((r) => r !== 'done')).toEqual([]);
  });

  it('runs `before` in the job slot; a `before` that throws skips the job and leaves the estimate', async () => {
    const queue = createHashQueue({ concurrency: 1, maxWaitMs: 10_000, initialJobMs: 50 });
    const order: string[] = [];
    const job = (name: string) => () =>
      new Promise<string>((r) =>
        setTimeout(() => {
          order.push(`job ${name}`);
          r(name);
        }, 50),
      );
    const gate =
      (name: string, fail = false) =>
      async () => {
        // In the slot: nothing else runs meanwhile.
        order.push(`before ${name} (active ${queue.stats().active})`);
        if (fail) throw new Error(`refused ${name}`);
      };
    const results = await Promise.all([
      queue.run(job('a'), gate('a')),
      queue.run(job('b'), gate('b', true)).catch((e: Error) => e.message),
      queue.run(job('c'), gate('c')),
    ]);
    expect(results).toEqual(['a', 'refused b', 'c']);
    expect(order).toEqual(['before a (active 1)', 'job a', 'before b (active 1)', 'before c (active 1)', 'job c']);
    await settle();
    // The refused one took no time, and is not among the jobs measured.
    expect(queue.stats()).toMatchObject({ active: 0, pending: 0 });
    expect(queue.stats().jobMs).toBeGreaterThanOrEqual(45);
  });

  it('a caller refused in a burst is admitted once it waits its retryAfter', async () => {
    // The queue itself, with jobs of a known 100 ms: argon2's own time swings with the machine's load.
    const queue = createHashQueue({ concurrency: 1, maxWaitMs: 1000, initialJobMs: 100 });
    const job = () => new Promise<string>((r) => setTimeout(() => r('done'), 100));
    const burst = Array.from({ length: 200 }, () => queue.run(job).catch((e: unknown) => e));
    const refused = (await queue.run(job).catch((e: unknown) => e)) as {
      extensions: { code: string; retryAfter: number };
    };
    expect(refused.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
    await new Promise((r) => setTimeout(r, refused.extensions.retryAfter * 1000));
    await expect(queue.run(job)).resolves.toBe('done');
    const results = await Promise.all(burst);
    // About a second's worth (10 jobs) was admitted and every one of them ran.
    expect(results.filter((r) => r === 'done').length).toBeGreaterThanOrEqual(9);
    expect(results.filter((r) => r === 'done').length).toBeLessThanOrEqual(12);
  });
});

describe('password policy', () => {
  it('allows 8 to 256 characters', () => {
    expect(() => assertPasswordPolicy('x7#kq9@m')).not.toThrow();
    expect(() => assertPasswordPolicy('x'.repeat(256))).not.toThrow();
    expect(() => assertPasswordPolicy('1234567')).toThrowError(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'password' } }),
    );
    expect(() => assertPasswordPolicy('x'.repeat(257))).toThrowError(/at most 256/);
  });

  it('refuses control characters, and passwords of nothing but whitespace or invisible characters', () => {
    for (const p of [
      ' '.repeat(8),
      '\u200b'.repeat(8),
      '\u2800'.repeat(8),
      '\u{e0041}'.repeat(8),
      ' \u00a0\u2060\ufeff    ',
    ]) {
      expect(() => assertPasswordPolicy(p), JSON.stringify(p)).toThrowError(/visible character/);
    }
    for (const p of ['\u0000'.repeat(10), 'good password\u0000', 'good\tpassword', 'good password\u007f']) {
      expect(() => assertPasswordPolicy(p, 'newPassword'), JSON.stringify(p)).toThrowError(
        expect.objectContaining({
          message: expect.stringMatching(/control characters/),
          extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' },
        }),
      );
    }
    // Spaces and invisible characters among visible ones are a password's own business.
    for (const p of [
      'correct horse battery',
      '  padded  x  ',
      'zero\u200bwidth',
      '👩\u200d💻👩\u200d💻👩\u200d💻👩\u200d💻',
    ])
      expect(() => assertPasswordPolicy(p), JSON.stringify(p)).not.toThrow();
  });

  it('knows commonly used passwords, whatever their case', async () => {
    for (const p of ['12345678', 'password123', 'PASSWORD123', 'qwertyuiop']) {
      expect(await isCommonPassword(p), p).toBe(true);
    }
    expect(await isCommonPassword('correct horse battery')).toBe(false);
  });
});
