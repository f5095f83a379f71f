import { rateLimited } from '../errors.js';

/**
 * The queue in front of argon2. argon2 runs on libuv's thread pool, and each running hash holds
 * its memory (19 MiB); a waiting job is only a closure, so a long queue costs next to nothing.
 *
 * Admission is by expected wait, not by queue length: a burst of real users on a fast machine
 * may queue hundreds, while a slow machine must shed sooner. A job is admitted while
 * `waiting x measured hash time / concurrency` stays within `maxWaitMs`; beyond it the caller gets
 * RATE_LIMITED with the time until the queue has drained enough to admit it (`retryAfter`).
 *
 * The measured hash time is a moving average of the jobs' wall time, so it says how long a hash
 * takes under the load of the moment: during a login flood beside other traffic it can read 3-4x
 * a hash's own cost. A burst that arrives after the queue has emptied is admitted before any of
 * its own jobs has finished, so that average would describe a load that has gone. It refused the
 * tail of 500 logins as a wait of over 30 s, for a queue that drained in 7-10 s (BENCHMARKS.md,
 * round seven). So each busy period starts from the lowest the average has been on this machine
 * (the start-up measurement at the latest). Jobs finishing within the period then move the
 * average to that period's load.
 */
export interface HashQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Longest expected wait in the queue a new job is admitted with, in milliseconds. */
  maxWaitMs: number;
  /** The first estimate of one job's duration, until jobs have been measured. */
  initialJobMs: number;
  /** Told how long each job waited for a slot (seconds), and of each refused one: for metrics. */
  onWait?: (seconds: number) => void;
  onRejected?: () => void;
}

export interface HashQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
  stats(): { active: number; pending: number; jobMs: number; expectedWaitMs: number };
}

/** Weight of the newest measurement in the moving average: follows a machine that slows down within a few jobs. */
const EWMA_WEIGHT = 0.25;

export function createHashQueue(opts: HashQueueOptions): HashQueue {
  const waiting: Array<() => void> = [];
  let active = 0;
  let jobMs = Math.max(1, opts.initialJobMs);
  // What a hash costs with nothing in its way: where each busy period's estimate starts.
  let fastestMs = jobMs;

  const expectedWaitMs = (queued: number) => (queued * jobMs) / opts.concurrency;

  function next(): void {
    while (active < opts.concurrency && waiting.length > 0) waiting.shift()!();
  }

  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      if (active === 0 && waiting.length === 0) jobMs = fastestMs;
      const queued = active >= opts.concurrency ? waiting.length + 1 : 0;
      const wait = expectedWaitMs(queued);
      if (wait > opts.maxWaitMs) {
        // Admission resumes once enough of the queue has drained for the wait to fit the bound.
        const retryAfterMs = wait - opts.maxWaitMs + jobMs;
        opts.onRejected?.();
        return Promise.reject(rateLimited(retryAfterMs / 1000, 'Too many sign-ins at once, try again in a moment'));
      }
      const queuedAt = performance.now();
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          active += 1;
          opts.onWait?.((performance.now() - queuedAt) / 1000);
          const began = performance.now();
          job()
            .then(resolve, reject)
            .finally(() => {
              jobMs += EWMA_WEIGHT * (performance.now() - began - jobMs);
              // The lowest the average has been, not the fastest single job: one job that
              // failed at once (a corrupt stored hash) must not make the next burst look free.
              fastestMs = Math.min(fastestMs, jobMs);
              active -= 1;
              next();
            });
        };
        waiting.push(start);
        next();
      });
    },
    stats: () => ({ active, pending: waiting.length, jobMs, expectedWaitMs: expectedWaitMs(waiting.length) }),
  };
}
