/**
 * Hashes at once by default: one per core, minus one left to the event loop (token checks,
 * JSON, the database driver), and at most one below libuv's thread pool (UV_THREADPOOL_SIZE,
 * default 4) so file-system and DNS work always find a thread.
 */
export function defaultHashConcurrency(cores: number, threadPoolSize: number): number {
  return Math.max(1, Math.min(cores - 1, threadPoolSize - 1));
}
