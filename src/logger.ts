import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogLevel } from './config.js';

/** The four methods Yoga's `logging` option expects, plus structured fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Fields every line logged inside `withLogContext` carries (the request id), without callers
 * passing them along: AsyncLocalStorage follows the request through awaits and callbacks.
 */
const context = new AsyncLocalStorage<Record<string, unknown>>();

export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** The fields of the current log context (e.g. `requestId`), if any. */
export function currentLogContext(): Readonly<Record<string, unknown>> | undefined {
  return context.getStore();
}

// A second line of defence: callers pass ids and reasons, never secrets, but a field named like a
// secret, a JWT or an argon2 hash that slips into a message or an error is blanked before writing.
const SECRET_KEY = /pass(word|wd)?|secret|token|authorization|cookie|credential/i;
const SAFE_KEYS = new Set(['tokenVersion']);
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const ARGON2 = /\$argon2(id|i|d)\$[^\s"']+/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;

function scrub(text: string): string {
  return text.replace(JWT, '[redacted]').replace(ARGON2, '[redacted]').replace(BEARER, '$1 [redacted]');
}

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), ...(value.stack ? { stack: scrub(value.stack) } : {}) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 4) return '[object]';
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && !SAFE_KEYS.has(k) && v != null ? '[redacted]' : clean(v, depth + 1);
  }
  return out;
}

function normalise(fields: unknown[]): Record<string, unknown> | undefined {
  const ctx = context.getStore();
  if (fields.length === 0 && !ctx) return undefined;
  const out: Record<string, unknown> = { ...ctx };
  fields.forEach((f, i) => {
    if (f instanceof Error) out.err = clean(f);
    else if (f && typeof f === 'object' && !Array.isArray(f)) {
      Object.assign(out, clean(f));
    } else out[`arg${i}`] = clean(f);
  });
  return out;
}

/**
 * JSON lines in production (one object per line, for log shippers), short text otherwise.
 * Inside a request every line carries its `requestId` (see src/plugins/request-id.ts).
 * Callers pass ids and reasons, never tokens or passwords; anything that looks like one is redacted.
 */
export function createLogger(opts: { level: LogLevel; json: boolean; write?: (line: string) => void }): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const min = ORDER[opts.level];
  const log =
    (level: LogLevel) =>
    (msg: unknown, ...rest: unknown[]) => {
      if (ORDER[level] < min) return;
      // Yoga sometimes logs an Error as the message itself.
      if (msg instanceof Error) {
        rest.unshift(msg);
        msg = msg.message;
      }
      const text = scrub(String(msg));
      const fields = normalise(rest);
      if (opts.json) {
        write(JSON.stringify({ time: new Date().toISOString(), level, msg: text, ...fields }));
      } else {
        write(
          `${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${text}${fields ? ` ${JSON.stringify(fields)}` : ''}`,
        );
      }
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
