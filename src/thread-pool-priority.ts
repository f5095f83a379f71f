import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { ThreadIdlePolicy } from 'thread-idle-policy';

/**
 * Lowers the CPU priority of libuv's thread pool below the event loop's, on Linux, where a
 * thread's scheduling is its own (a thread id goes where the system calls say pid). argon2 hashes
 * run in that pool (and WebCrypto's signatures, and file work); on a machine with few cores a
 * login flood's hashes and the event loop compete for the same CPU, and at equal priority a token
 * check that arrives waits for a hash's time slice to end.
 *
 * Two ways, `policy`:
 * - `idle`: the pool's threads go under SCHED_IDLE (the thread-idle-policy addon). They then run
 *   only on CPU time no normal thread wants, and the event loop, woken by a request, takes its CPU
 *   at once. Measured (BENCHMARKS.md, round five): during an 8-way login flood `me`'s median
 *   latency rose from 1.7 to 2.0 ms (2.5 ms with nice), and its p99 was about 2 ms lower.
 * - `nice`: the threads are niced by `nice` (setpriority). Nice weighs shares of a contended CPU:
 *   a niced hash still keeps its CPU until its slice ends (round three: p99 1.93x idle at equal
 *   priority, 1.43x niced by 10).
 * `idle` falls back to `nice` where the addon is not built or the system refuses.
 *
 * Either way the hashes take all of an otherwise idle CPU, so logins per second alone are the
 * same. What differs is a host whose CPUs are also saturated by other processes of the same
 * control group: an idle-policy hash then waits for them all (a login took 5.3 s instead of
 * 180 ms with two busy loops on two cores), and the hash queue answers RATE_LIMITED with
 * `retryAfter` once the wait grows past PASSWORD_HASH_MAX_WAIT, while token checks keep their pace.
 * Without privileges a thread can be lowered and never raised again, so this runs once, at start.
 *
 * `nice`: how much lower (a nice increment, 0 = leave the nice value alone), relative to the
 * process's own priority. Answers what was done: how many threads were found, and how many of
 * them went under SCHED_IDLE. Nothing off Linux, or where the pool's threads cannot be told apart
 * by name.
 */
export async function lowerThreadPoolPriority(opts: {
  policy: 'idle' | 'nice';
  nice: number;
}): Promise<{ threads: number; idle: number; idleRefused?: string }> {
  const done = { threads: 0, idle: 0 } as { threads: number; idle: number; idleRefused?: string };
  if (process.platform !== 'linux' || (opts.policy === 'nice' && opts.nice <= 0)) return done;
  // libuv starts every thread of its pool with the first job; this is one (its answer is not the point).
  await fs.promises.access('.').catch(() => undefined);
  let tasks: string[];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return done;
  }
  const addon = opts.policy === 'idle' ? idlePolicy() : null;
  if (opts.policy === 'idle' && !addon) done.idleRefused = 'the thread-idle-policy addon is not built';
  for (const task of tasks) {
    const tid = Number(task);
    try {
      if (fs.readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
    } catch {
      continue; // a thread that has ended
    }
    done.threads++;
    // Nice first: it is what counts wherever SCHED_IDLE is refused, and harmless under it.
    if (opts.nice > 0) {
      try {
        os.setPriority(tid, Math.min(19, os.getPriority(tid) + opts.nice));
      } catch {
        // A thread that has ended, or a system that refuses: it keeps the priority it has.
      }
    }
    if (!addon) continue;
    try {
      addon.setIdle(tid);
      done.idle++;
    } catch (e) {
      done.idleRefused = e instanceof Error ? e.message : String(e);
    }
  }
  return done;
}

/** The addon, or null where it was not built (no C compiler at install time). */
function idlePolicy(): ThreadIdlePolicy | null {
  try {
    return createRequire(import.meta.url)('thread-idle-policy') as ThreadIdlePolicy | null;
  } catch {
    return null;
  }
}
