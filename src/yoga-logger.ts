import type { Logger } from './logger.js';
import { isClientError } from './errors.js';

/**
 * What Yoga's `logging` option gets: our logger, with Yoga's own error reports sorted. Yoga
 * calls `error(err)` for every error it masks and for some request errors; a client's mistake
 * (a refused CSRF GET, a bad body) is not an error of the server and is logged at info, without
 * a stack. An unexpected failure that maskError already logged (`reported`) is not logged twice.
 */
export function yogaLogger(logger: Logger, reported: WeakSet<object>): Logger {
  return {
    debug: logger.debug,
    info: logger.info,
    warn: logger.warn,
    error(msg: unknown, ...rest: unknown[]) {
      if (msg instanceof Error && reported.has(msg)) return;
      if (msg instanceof Error && isClientError(msg)) {
        const code = (msg as { extensions?: { code?: unknown } }).extensions?.code;
        logger.info('request refused', { reason: msg.message, ...(code ? { code } : {}) });
        return;
      }
      (logger.error as (m: unknown, ...r: unknown[]) => void)(msg, ...rest);
    },
  };
}
