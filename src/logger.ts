import type { LogLevel } from './config.js';

/** The four methods Yoga's `logging` option expects, plus structured fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function normalise(fields: unknown[]): Record<string, unknown> | undefined {
  if (fields.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    if (f instanceof Error) out.err = { name: f.name, message: f.message, stack: f.stack };
    else if (f && typeof f === 'object' && !Array.isArray(f)) {
      for (const [k, v] of Object.entries(f)) out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
    }
    else out[`arg${i}`] = f;
  });
  return out;
}

/**
 * JSON lines in production (one object per line, for log shippers), short text otherwise.
 * Callers pass ids and reasons, never tokens or passwords.
 */
export function createLogger(opts: { level: LogLevel; json: boolean; write?: (line: string) => void }): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const min = ORDER[opts.level];
  const log =
    (level: LogLevel) =>
    (msg: string, ...rest: unknown[]) => {
      if (ORDER[level] < min) return;
      const fields = normalise(rest);
      if (opts.json) {
        write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
      } else {
        write(`${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
      }
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
