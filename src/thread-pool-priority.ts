import fs from 'node:fs';
import os from 'node:os';

/**
 * Lowers the CPU priority of libuv's thread pool below the event loop's, on Linux, where a
 * thread's nice value is its own (setpriority on a thread id). argon2 hashes run in that pool
 * (and WebCrypto's signatures, and file work); on a machine with few cores a login flood's
 * hashes and the event loop compete for the same CPU, and at equal priority a token check that
 * arrives waits for a hash's time slice to end. Lowered, the woken event loop runs first and the
 * hashes take what is left, which is all of it whenever nothing else runs: nice weighs shares of
 * a contended CPU and leaves an idle one alone. Measured with `npm run bench` and `bench:guard`:
 * `me` p99 during the 8-way login flood a median 1.93x its idle p99 at equal priority, 1.43x
 * niced by 10, logins per second during the flood about the same (BENCHMARKS.md, round three).
 *
 * `by`: how much lower (the nice increment, 0 = leave alone). Only lowering is possible without
 * privileges, and it is relative to the process's own priority. Answers how many threads it
 * lowered: 0 off Linux, or where the pool's threads cannot be told apart by name.
 */
export async function lowerThreadPoolPriority(by: number): Promise<number> {
  if (by <= 0 || process.platform !== 'linux') return 0;
  // libuv starts every thread of its pool with the first job; this is one (its answer is not the point).
  await fs.promises.access('.').catch(() => undefined);
  let tasks: string[];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const task of tasks) {
    const tid = Number(task);
    try {
      if (fs.readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      os.setPriority(tid, Math.min(19, os.getPriority(tid) + by));
      lowered++;
    } catch {
      // A thread that has ended, or a system that refuses: it keeps the priority it has.
    }
  }
  return lowered;
}
