import { format } from 'node:util';
import type { Logger } from './logger.js';

/**
 * Libraries that report through `console` would write plain, multi-line text into a production
 * log that is otherwise one JSON object a line: graphql-ws prints "Internal error emitted on a
 * WebSocket socket" and a stack when a client sends a frame over the size limit or a broken one,
 * which any client can do without a token. With JSON logs, `console.error` and `console.warn` go
 * through the logger instead: one line each, the message as `msg`, an Error as `err` (its stack a
 * field), scrubbed of secrets like every other line.
 */
export function routeConsoleToLogger(logger: Logger): void {
  const route =
    (level: 'error' | 'warn') =>
    (...args: unknown[]): void => {
      const err = args.find((a): a is Error => a instanceof Error);
      const rest = args.filter((a) => a !== err);
      const msg = rest.length > 0 ? format(...rest) : (err?.message ?? '');
      logger[level](msg, err ? { err } : undefined);
    };
  console.error = route('error');
  console.warn = route('warn');
}
