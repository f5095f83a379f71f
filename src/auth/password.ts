import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';
import { badUserInput } from '../errors.js';
import { createHashQueue } from './hash-queue.js';
import { isInvisible } from './invisible-text.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** @node-rs/argon2 declares Algorithm as a const enum, which isolatedModules cannot read. */
const ARGON2ID = 2;

/**
 * OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane. The PHC string records these,
 * so raising them later upgrades each stored hash at its owner's next login.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasherOptions {
  /** Hashes running at once; keep below libuv's pool (4) so token checks and I/O keep a thread. */
  concurrency: number;
  /** Longest expected queue wait a hash is admitted with (ms); beyond it, RATE_LIMITED. */
  maxWaitMs: number;
  params?: { memoryCost: number; timeCost: number; parallelism: number };
  /** Told how long each job waited for a slot (seconds), and of each refused one: for metrics. */
  onWait?: (seconds: number) => void;
  onRejected?: () => void;
}

export interface PasswordHasher {
  /** Hashes the password's normalised form (normalizePassword). */
  hash(password: string): Promise<string>;
  /**
   * Constant work whether or not `stored` is undefined (unknown e-mail). `before` runs once the
   * hash has its slot, just before it starts (the login throttle counts the attempt there).
   */
  verify(stored: string | undefined, password: string, before?: () => Promise<void>): Promise<boolean>;
  /**
   * As verify, and says whether the stored hash should be remade from this password: it was
   * made from the password as typed before normalisation, or with weaker parameters.
   */
  check(
    stored: string | undefined,
    password: string,
    before?: () => Promise<void>,
  ): Promise<{ ok: boolean; rehash: boolean }>;
  /** True when `stored` was made with weaker parameters than today's. */
  needsRehash(stored: string): boolean;
  /** Hashes running and waiting now, the measured time of one, the wait a new one would see. */
  stats(): { active: number; pending: number; jobMs: number; expectedWaitMs: number };
}

/**
 * NFKC, as NIST SP 800-63B §5.1.1.2 recommends, so the same password typed on another keyboard
 * or device (composed or decomposed accents, full-width forms, ligatures) is the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

// C0 control characters and DEL: no keyboard types them, a NUL ends the password early in C code
// and in some hashing front ends, and most forms cannot send them back at login.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * 8 to 256 characters of the password's normalised form, counted as Unicode code points so emoji
 * count as one; no control characters, and at least one character that shows: eight spaces or
 * zero-width spaces pass a length rule while being as good as no password, and cannot be read back
 * on screen by their owner. (The rest of what a new password must be: src/auth/new-password.ts.)
 * Only for new passwords: login never applies it, so it tells a guesser nothing.
 */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw badUserInput(`Password must be at least ${PASSWORD_MIN_LENGTH} characters`, field);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw badUserInput(`Password must be at most ${PASSWORD_MAX_LENGTH} characters`, field);
  }
  if (CONTROL.test(normalized)) throw badUserInput('Password must not contain control characters', field);
  if (isInvisible(normalized)) throw badUserInput('Password must contain a visible character', field);
}

export async function createPasswordHasher(opts: PasswordHasherOptions): Promise<PasswordHasher> {
  const params = opts.params ?? ARGON2_PARAMS;
  const options: Options = { algorithm: ARGON2ID, ...params };

  // Verified against when the e-mail is unknown, so that answer costs what a wrong password costs.
  const dummyHash = await hash(`dummy-${Math.random()}`, options);
  // The queue's first estimate of what one hash costs on this machine: a verify, as a login does,
  // timed after the first hash, which pays for the pool thread's first 19 MiB (47 ms against 20 ms).
  const began = performance.now();
  await verify(dummyHash, 'not the dummy password');
  const { run, stats } = createHashQueue({
    concurrency: opts.concurrency,
    maxWaitMs: opts.maxWaitMs,
    initialJobMs: performance.now() - began,
    onWait: opts.onWait,
    onRejected: opts.onRejected,
  });

  const verifyOne = (stored: string | undefined, password: string, before?: () => Promise<void>) =>
    run(async () => {
      try {
        const ok = await verify(stored ?? dummyHash, password);
        return ok && stored !== undefined;
      } catch {
        // A corrupt stored hash is a failed login, not a 500.
        return false;
      }
    }, before);

  function needsRehash(stored: string): boolean {
    try {
      const p = parseOptions(stored);
      return (
        p.algorithm !== ARGON2ID ||
        p.memoryCost < params.memoryCost ||
        p.timeCost < params.timeCost ||
        p.parallelism < params.parallelism
      );
    } catch {
      return true;
    }
  }

  async function check(stored: string | undefined, password: string, before?: () => Promise<void>) {
    const normalized = normalizePassword(password);
    if (await verifyOne(stored, normalized, before)) return { ok: true, rehash: needsRehash(stored!) };
    // Hashes made before normalisation hold the password as typed: still accepted, then remade
    // from the normalised form. Only passwords that normalisation changes pay the second verify.
    if (normalized !== password && (await verifyOne(stored, password))) return { ok: true, rehash: true };
    return { ok: false, rehash: false };
  }

  return {
    hash: (password) => run(() => hash(normalizePassword(password), options)),
    verify: async (stored, password, before) => (await check(stored, password, before)).ok,
    check,
    stats,
    needsRehash,
  };
}
