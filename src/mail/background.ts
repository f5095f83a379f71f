import type { Logger } from '../logger.js';

/**
 * Work the user does not wait for (a mail after signup, a password-reset request), kept track of
 * so that shutdown and tests can wait for it (`idle`), and so that a failure is logged rather
 * than lost as an unhandled rejection.
 */
export interface Background {
  run(what: string, task: () => Promise<unknown>): void;
  /** Resolves once every task started so far has settled (or `timeoutMs` passed). */
  idle(timeoutMs?: number): Promise<void>;
}

export function createBackground(logger: Logger): Background {
  const pending = new Set<Promise<unknown>>();
  return {
    run(what, task) {
      const p = Promise.resolve()
        .then(task)
        .catch((e: unknown) => logger.error(`background task failed: ${what}`, { err: e }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...pending]),
          new Promise((r) => {
            timer = setTimeout(r, deadline - Date.now());
          }),
        ]);
        clearTimeout(timer);
      }
    },
  };
}
