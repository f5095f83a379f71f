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
 * The measured hash time is the median of the last jobs' wall times, so it says how long a hash
 * takes under the load of the moment: during a login flood beside other traffic it can read 3-4x
 * a hash's own cost. Two things keep it from describing a load that is not there:
 *
 * - A burst that arrives after the queue has emptied is admitted before many of its own jobs have
 *   finished, so the previous busy period's jobs would speak for it. So each busy period starts
 *   from the lowest the estimate has been on this machine (the start-up measurement at the latest),
 *   counted as PRIOR jobs.
 * - The burst's first jobs are slowed by the burst itself: the pool threads run under SCHED_IDLE
 *   (src/thread-pool-priority.ts), so while the main thread parses hundreds of arriving requests
 *   a hash gets little CPU, and its completion waits for the main thread too. Those jobs took
 *   120-310 ms where the rest took 20-25 ms. A moving average followed them to 90-100 ms and
 *   refused the tail of 500 logins as a wait of over 30 s, for a queue that drained in 14 s
 *   (BENCHMARKS.md, round eight). A median follows a machine that stays slow as soon as most
 *   recent jobs are slow, and ignores a few that were held up.
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
  /**
   * Runs `job` once a slot is free. `before`, if given, runs in the slot just before the job (the
   * login throttle takes the attempt's place there): if it throws, the job does not run and its
   * error is the answer. Its time is not the job's, so it never moves the estimate.
   */
  run<T>(job: () => Promise<T>, before?: () => Promise<void>): Promise<T>;
  stats(): { active: number; pending: number; jobMs: number; expectedWaitMs: number };
}

/** Jobs the estimate is the median of: the estimate follows a machine that slows down within a few jobs. */
const WINDOW = 16;
/**
 * A busy period starts as if this many jobs had taken the lowest estimate: the estimate moves once
 * more jobs than this were slow, not after the first few that the burst's own arrival held up.
 */
const PRIOR = 4;

/** The lower median: of an even count, the faster of the middle two. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

export function createHashQueue(opts: HashQueueOptions): HashQueue {
  const waiting: Array<() => void> = [];
  let active = 0;
  let jobMs = Math.max(1, opts.initialJobMs);
  // What a hash costs with nothing in its way: where each busy period's estimate starts.
  let fastestMs = jobMs;
  // This busy period's latest job times (after PRIOR entries of fastestMs), oldest first.
  let recent: number[] = [];

  const expectedWaitMs = (queued: number) => (queued * jobMs) / opts.concurrency;

  function next(): void {
    while (active < opts.concurrency && waiting.length > 0) waiting.shift()!();
  }

  return {
    run<T>(job: () => Promise<T>, before?: () => Promise<void>): Promise<T> {
      if (active === 0 && waiting.length === 0) {
        jobMs = fastestMs;
        recent = Array.from({ length: PRIOR }, () => fastestMs);
      }
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
        const measured = async () => {
          const began = performance.now();
          try {
            return await job();
          } finally {
            recent.push(performance.now() - began);
            if (recent.length > WINDOW) recent.shift();
            jobMs = median(recent);
            // The lowest median of a full window, not the fastest single job: a few jobs that
            // failed at once (a corrupt stored hash) must not make the next burst look free.
            if (recent.length === WINDOW) fastestMs = Math.min(fastestMs, jobMs);
          }
        };
        const start = () => {
          active += 1;
          opts.onWait?.((performance.now() - queuedAt) / 1000);
          (before ? before().then(measured) : measured()).then(resolve, reject).finally(() => {
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
