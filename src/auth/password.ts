import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { badUserInput, rateLimited } from '../errors.js';

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
  /** Hashes allowed to wait; past this, callers get RATE_LIMITED rather than unbounded memory. */
  queueLimit: number;
  params?: { memoryCost: number; timeCost: number; parallelism: number };
  /** Told how long each job waited for a slot (seconds), and of each refused one: for metrics. */
  onWait?: (seconds: number) => void;
  onRejected?: () => void;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant work whether or not `stored` is undefined (unknown e-mail). */
  verify(stored: string | undefined, password: string): Promise<boolean>;
  /** True when `stored` was made with weaker parameters than today's. */
  needsRehash(stored: string): boolean;
  /** Hashes running and waiting now: for tests and metrics. */
  stats(): { active: number; pending: number };
}

/** 8 to 256 characters, counted as Unicode code points so emoji count as one. */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw badUserInput(`Password must be at least ${PASSWORD_MIN_LENGTH} characters`, field);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw badUserInput(`Password must be at most ${PASSWORD_MAX_LENGTH} characters`, field);
  }
}

export async function createPasswordHasher(opts: PasswordHasherOptions): Promise<PasswordHasher> {
  const params = opts.params ?? ARGON2_PARAMS;
  const options: Options = { algorithm: ARGON2ID, ...params };
  const limit = pLimit(opts.concurrency);

  // argon2 runs on libuv's thread pool; the queue in front of it keeps a login burst from taking
  // every thread, and refuses work instead of growing without bound.
  function run<T>(job: () => Promise<T>): Promise<T> {
    if (limit.pendingCount >= opts.queueLimit) {
      opts.onRejected?.();
      return Promise.reject(rateLimited(1, 'Too many sign-ins at once, try again in a moment'));
    }
    const { onWait } = opts;
    if (!onWait) return limit(job);
    const queued = performance.now();
    return limit(() => {
      onWait((performance.now() - queued) / 1000);
      return job();
    });
  }

  // Verified against when the e-mail is unknown, so that answer costs what a wrong password costs.
  const dummyHash = await hash(`dummy-${Math.random()}`, options);

  return {
    hash: (password) => run(() => hash(password, options)),
    verify: (stored, password) =>
      run(async () => {
        try {
          const ok = await verify(stored ?? dummyHash, password);
          return ok && stored !== undefined;
        } catch {
          // A corrupt stored hash is a failed login, not a 500.
          return false;
        }
      }),
    stats: () => ({ active: limit.activeCount, pending: limit.pendingCount }),
    needsRehash(stored) {
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
    },
  };
}
