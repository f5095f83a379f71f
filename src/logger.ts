import fs from 'node:fs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, pino } from 'pino';
import type { LogLevel } from './config.js';

/** The four methods Yoga's `logging` option expects, plus structured fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The server's logger, with the two ways of writing out what the asynchronous destination holds. */
export interface AppLogger extends Logger {
  /**
   * Synchronously, for a process about to end at once. A batch already on its way (a write in
   * libuv's thread pool) may then land after the lines written here.
   */
  flush(): void;
  /** Every line so far written, in order (waits at most `timeoutMs`): for a shutdown. */
  flushed(timeoutMs?: number): Promise<void>;
}

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

/**
 * And by exact name (compared lower-cased), at any depth: secrets the pattern above does not catch
 * (API and private keys, one-time codes). This was pino's `redact` (paths `apiKey`, `*.apiKey`,
 * ...); its wildcard paths re-parsed every path for every object-valued field of every line
 * (about 1.5 % of a request's CPU), and it only looked one level down.
 */
const SECRET_NAMES = new Set(['apikey', 'privatekey', 'otp', 'totp', 'recoverycodes', 'x-api-key']);

function isSecretKey(key: string): boolean {
  return (SECRET_KEY.test(key) && !SAFE_KEYS.has(key)) || SECRET_NAMES.has(key.toLowerCase());
}

/** Whether a string could hold any of the three: one scan instead of three on every clean string. */
const SUSPECT = /eyJ|\$argon2|bearer/i;

function scrub(text: string): string {
  if (!SUSPECT.test(text)) return text;
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
    out[k] = isSecretKey(k) && v != null ? '[redacted]' : clean(v, depth + 1);
  }
  return out;
}

function fieldsOf(args: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  args.forEach((f, i) => {
    if (f instanceof Error) out.err = clean(f);
    else if (f && typeof f === 'object' && !Array.isArray(f)) Object.assign(out, clean(f));
    else if (f !== undefined) out[`arg${i}`] = clean(f);
  });
  return out;
}

/** Development lines: `12:00:00.123 INFO  msg {"requestId":...}`, from pino's JSON. */
function readable(write: (line: string) => void): DestinationStream {
  return {
    write(json: string) {
      const { time, level, msg, ...rest } = JSON.parse(json) as Record<string, unknown>;
      const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
      write(`${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${fields}`);
    },
  };
}

/**
 * pino's isoTime (`new Date().toISOString()` for every line), with the part up to the seconds
 * formatted once a second: the same text, at a fraction of the cost on a busy server, where it was
 * the largest single item of the per-request log line.
 */
let isoSecond = Number.NaN;
let isoPrefix = '';
export function isoTime(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20); // "2026-12-02T15:55:19."
  }
  const ms = now - second * 1000;
  return `,"time":"${isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

/** Buffered log bytes that trigger a write (~20 request lines). */
const LOG_BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer on a quiet server. */
const LOG_FLUSH_MS = 100;

/**
 * Lines gathered in an array and handed to pino's asynchronous destination (SonicBoom)
 * LOG_BUFFER_BYTES at a time, or LOG_FLUSH_MS after the first. SonicBoom can buffer by itself
 * (`minLength`), but it appends every line to one growing string and measures that string's UTF-8
 * length again at each line (`Buffer.byteLength` of the buffer so far): about 1.5 us a line at
 * 4 KiB, a third of the whole per-request log line. Joining an array once per batch costs next to
 * nothing. Lines still here when the process exits (process.exit, an uncaught exception) are
 * written out synchronously.
 */
function batched(
  boom: ReturnType<typeof pino.destination>,
  fd: number,
): DestinationStream & { flushSync(): void; flushed(timeoutMs: number): Promise<void> } {
  let lines: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  // Whether SonicBoom has bytes not yet written: it emits 'drain' once it has written them all.
  let writing = false;
  boom.on('drain', () => {
    writing = false;
  });
  const take = (): string => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const chunk = lines.length === 1 ? lines[0]! : lines.join('');
    lines = [];
    size = 0;
    return chunk;
  };
  const drain = () => {
    if (lines.length === 0) return;
    writing = true;
    boom.write(take());
  };
  const flushSync = () => {
    const chunk = lines.length > 0 ? take() : '';
    if (writing) {
      // Behind the write in flight (it may still land after these: only a wait can order them).
      if (chunk) boom.write(chunk);
      boom.flushSync();
    } else if (chunk) {
      // Here and now: SonicBoom's write() would start an asynchronous write, which its
      // flushSync() then leaves to the thread pool, and the process may end first.
      writeAllSync(fd, chunk);
    }
  };
  process.once('exit', () => {
    try {
      flushSync();
    } catch {
      // Nothing left to tell it to: stderr is gone.
    }
  });
  return {
    write(line: string) {
      lines.push(line);
      size += line.length;
      if (size >= LOG_BUFFER_BYTES) drain();
      else timer ??= setTimeout(drain, LOG_FLUSH_MS).unref();
    },
    flushSync,
    async flushed(timeoutMs) {
      drain();
      if (writing)
        await new Promise<void>((resolve) => {
          const gaveUp = setTimeout(resolve, timeoutMs);
          boom.once('drain', () => {
            clearTimeout(gaveUp);
            resolve();
          });
        });
    },
  };
}

/** All of `text` to `fd` with blocking writes, across short writes and a full pipe (EAGAIN). */
function writeAllSync(fd: number, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(fs.writeSync(fd, rest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * pino underneath: JSON lines in production (one object per line, for log shippers), short text
 * otherwise. Inside a request every line carries its `requestId` (src/plugins/request-id.ts).
 * Callers pass ids and reasons, never tokens or passwords; anything that looks like one is redacted.
 *
 * In production lines go through pino's asynchronous destination (a SonicBoom on stderr): the
 * per-request line never blocks the event loop on a write(2). Lines are written in batches of
 * LOG_BUFFER_BYTES (`batched`), and at least every LOG_FLUSH_MS: one write(2) per line, each
 * waking a thread-pool thread, cost ~5 % of a small request under load. `flush()` writes out the
 * rest, and so does `batched` on exit (also after an uncaught exception); a SIGKILL loses at most
 * LOG_FLUSH_MS of lines. `write` (tests) receives each line synchronously.
 */
export function createLogger(opts: { level: LogLevel; json: boolean; write?: (line: string) => void }): AppLogger {
  const sink = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const destination: DestinationStream =
    opts.json && !opts.write
      ? batched(pino.destination({ dest: 2, sync: false }), 2)
      : opts.json
        ? { write: (line: string) => sink(line.trimEnd()) }
        : readable(sink);
  const p = pino(
    {
      level: opts.level,
      base: undefined,
      messageKey: 'msg',
      timestamp: () => isoTime(),
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
      // pino's default merge assigns the line's fields into the mixin's object, which here is the
      // request's log context itself: every later line of the request would carry them.
      mixinMergeStrategy: (line, fromContext) => ({ ...fromContext, ...line }),
    },
    destination,
  );
  const log =
    (level: LogLevel) =>
    (msg: unknown, ...rest: unknown[]) => {
      if (!p.isLevelEnabled(level)) return;
      // Yoga sometimes logs an Error as the message itself.
      if (msg instanceof Error) {
        rest.unshift(msg);
        msg = msg.message;
      }
      p[level](fieldsOf(rest), scrub(String(msg)));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    flush() {
      // Synchronously, so the lines are out before a process.exit() that follows.
      const d = destination as { flushSync?: () => void };
      if (d.flushSync) d.flushSync();
    },
    async flushed(timeoutMs = 2000) {
      const d = destination as { flushed?: (timeoutMs: number) => Promise<void> };
      if (d.flushed) await d.flushed(timeoutMs);
    },
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
