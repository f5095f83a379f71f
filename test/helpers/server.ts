import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GraphQLTestClient, httpClient } from './client.js';

/** The repository root, where `node --import tsx src/main.ts` runs. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A real server, and the shared GraphQL client (helpers/client.ts) pointed at it. */
export interface SpawnedServer extends GraphQLTestClient {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The JWT_SECRET it runs with, for tests that forge tokens. */
  secret: string;
  /** Its DATA_DIR; the default SQLite database is `${dataDir}/app.sqlite`. Removed when it exits. */
  dataDir: string;
  proc: ChildProcess;
  /** Every line the process wrote to stdout and stderr, in order. */
  lines: string[];
  /** Everything it wrote, as one string. */
  output(): string;
  /** The JSON log lines (production mode), parsed. */
  logs(): Array<Record<string, any>>;
  exited: Promise<Exit>;
  /** Resolves once a line matching `test` has been written (also one written before the call). */
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<ChildProcess>();
// A test that fails half-way must not leave servers behind.
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** A random JWT_SECRET good enough for production mode. */
export function newSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * Starts `node --import tsx src/main.ts` as a real server on 127.0.0.1 and an OS-chosen port,
 * in production mode (JSON logs) unless `env` says otherwise, and waits until it listens.
 * REDIS_URL is passed on when the suite has one (CI sets it when Redis answers).
 */
export async function startServer(
  env: Record<string, string> = {},
  opts: {
    readyTimeoutMs?: number;
    /** Node's arguments, instead of `--import tsx src/main.ts` (test/built-server.test.ts: the build). */
    args?: string[];
  } = {},
): Promise<SpawnedServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gql-auth-server-'));
  // Only what a deployment would set: not vitest's own variables, not the test database's.
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT', 'LANG']) if (process.env[k]) base[k] = process.env[k]!;
  const fullEnv: Record<string, string> = {
    ...base,
    // A key prefix of its own, so counters left in a shared Redis by other tests or runs cannot
    // leak in; servers that must share counters are given one prefix explicitly.
    ...(process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `test-${newSecret().slice(0, 12)}` }
      : {}),
    NODE_ENV: 'production',
    // A developer's .env in the repository must not leak into the servers the tests start.
    ENV_FILE: '/dev/null',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: newSecret(),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    // Every test client is 127.0.0.1, and some make a hundred accounts (test/login-burst.test.ts);
    // the signup limit itself is tested with its own setting (test/signup-throttle.test.ts).
    SIGNUP_MAX_PER_ADDRESS: '1000000',
    ...env,
  };
  const proc = spawn(process.execPath, opts.args ?? ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  // 'close', not 'exit': 'exit' can come before the last lines written to stdout/stderr are read,
  // and tests read the log after the process has ended.
  const exited = new Promise<Exit>((resolve) =>
    proc.once('close', (code, signal) => {
      running.delete(proc);
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${lines.join('\n')}`));
    }, opts.readyTimeoutMs ?? 30_000);
    const onLine = (line: string) => {
      lines.push(line);
      for (const w of watchers) w(line);
      const m = /listening on ([\d.]+):(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}:${m[2]}`);
      }
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${e.code ?? e.signal}) before listening:\n${lines.join('\n')}`));
    });
  });

  return {
    url,
    secret: fullEnv.JWT_SECRET ?? '',
    dataDir,
    proc,
    lines,
    exited,
    output: () => lines.join('\n'),
    logs: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, any>];
        } catch {
          return [];
        }
      }),
    waitForLine(test, timeoutMs = 20_000) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watch);
          reject(new Error(`no matching log line within ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        const watch = (line: string) => {
          if (!test(line)) return;
          clearTimeout(timer);
          watchers.delete(watch);
          resolve(line);
        };
        watchers.add(watch);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    ...httpClient(url),
  };
}

/** Runs `node --import tsx <script> ...args` to completion (the CLI: npm run migrate). */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base: Record<string, string> = {};
    for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k]) base[k] = process.env[k]!;
    const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...base, ENV_FILE: '/dev/null', ...env },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
