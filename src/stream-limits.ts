import { tooManyStreams } from './errors.js';

/**
 * Open subscription streams are sockets, timers and a pub/sub listener each, held for as long as
 * the token lives: one token must not hold hundreds, nor all callers together exhaust the
 * process. Counted per instance, per user and in total.
 */
export interface StreamLimits {
  /** Takes a slot for `userId`, or throws TOO_MANY_STREAMS. Returns the release (safe to call twice). */
  acquire(userId: string): () => void;
  stats(): { total: number; users: number };
}

export function createStreamLimits(limits: { perUser: number; total: number }): StreamLimits {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    acquire(userId) {
      const mine = byUser.get(userId) ?? 0;
      if (mine >= limits.perUser)
        throw tooManyStreams(`At most ${limits.perUser} open subscriptions per account: close one first`);
      if (total >= limits.total) throw tooManyStreams('The server has too many open subscriptions, try again later');
      byUser.set(userId, mine + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (byUser.get(userId) ?? 1) - 1;
        if (left > 0) byUser.set(userId, left);
        else byUser.delete(userId);
      };
    },
    stats: () => ({ total, users: byUser.size }),
  };
}

/**
 * `source`, releasing its slot once it ends in any way: finished, failed, or closed by the
 * client (return()), including before its first event, when a generator's own `finally` would
 * never run.
 */
export function releasingWhenDone<T>(source: AsyncGenerator<T>, release: () => void): AsyncGenerator<T> {
  const done = <R>(p: Promise<IteratorResult<T, R>>) =>
    p.then(
      (r) => {
        if (r.done) release();
        return r;
      },
      (e: unknown) => {
        release();
        throw e;
      },
    );
  const wrapped: AsyncGenerator<T> = {
    next: (...args) => done(source.next(...args)),
    return: (value) => {
      release();
      return source.return(value);
    },
    throw: (e) => {
      release();
      return source.throw(e);
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}
