/**
 * Helpers for the benchmark: child servers, a bounded autocannon run with exact latencies, RSS.
 * Everything listens on and sends to 127.0.0.1 only; every load run has a fixed duration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';

export const HOST = '127.0.0.1';

/**
 * The Node flags `npm start` passes (package.json's `start` script, `node [flags] dist/main.js`), so
 * every bench server runs exactly what `npm start` runs. `BENCH_NODE_FLAGS` (space-separated) adds
 * flags for an experiment, e.g. `BENCH_NODE_FLAGS=--max-semi-space-size=4`.
 */
export function startNodeFlags(root: string): string[] {
  const start: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js')
    throw new Error(`package.json's start script is not "node [flags] dist/main.js": ${start}`);
  return [...words.slice(1, -1), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  base: string;
  /** Milliseconds from spawn to the first `GET /health` 200. */
  startMs: number;
  stop(): Promise<void>;
}

/** Spawns a server and polls /health (every 10 ms) until it answers 200; gives up after `timeoutMs`. */
export async function startServer(opts: {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  logFile: string;
  cwd?: string;
  timeoutMs?: number;
}): Promise<Child> {
  const log = fs.openSync(opts.logFile, 'a');
  const t0 = performance.now();
  const proc = spawn(opts.command, opts.args, {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...opts.env, PORT: String(opts.port), HOST },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const base = `http://${HOST}:${opts.port}`;
  let exited: number | null = null;
  proc.once('exit', (code) => (exited = code ?? -1));
  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (exited !== null)
      throw new Error(`${opts.name} exited with ${exited} before answering /health; see ${opts.logFile}`);
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${opts.name} did not answer /health in time; see ${opts.logFile}`);
    }
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(500) });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(10);
  }
  const startMs = performance.now() - t0;
  return {
    name: opts.name,
    proc,
    pid: proc.pid!,
    base,
    startMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** Resident set size of a process in MiB, from /proc (Linux). `peak` is VmHWM, the high-water mark. */
export function rssMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** CPU time (user + system, every thread) a process has used so far, in ms; from /proc (Linux). */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/**
 * A process's CPU so far (ms) split by thread: Node's main thread, V8's helper threads
 * (`node-V8Worker`: concurrent marking, and compiling optimized code in the background) and
 * libuv's pool (`libuv-worker`: argon2, file writes). A slow segment with busy helpers is V8's own
 * work in that process (a major GC, hot code recompiled after it: BENCHMARKS.md, round seven)
 * rather than a slower machine. Threads that exit in between are not counted; these three live
 * as long as the process.
 */
export function threadCpuMs(pid: number): { main: number; v8: number; pool: number } {
  const out = { main: 0, v8: 0, pool: 0 };
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main: NaN, v8: NaN, pool: NaN };
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
      if (tid === String(pid)) out.main += ms;
      else if (name.startsWith('node-V8Worker')) out.v8 += ms;
      else if (name.startsWith('libuv-worker')) out.pool += ms;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Resets a process's RSS high-water mark (VmHWM) so the next `rssMiB().peak` covers only what follows. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export async function gql(base: string, query: string, variables?: Record<string, unknown>, token?: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

export interface LoadResult {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  /** Socket errors + timeouts + non-2xx + bodies that failed the check. */
  errors: number;
  requests: number;
  /** Highest RSS of the server process seen while the load ran (MiB). */
  rssMax: number;
  /**
   * Server CPU time (all threads) per request, in microseconds: unlike req/s, barely moved by other
   * processes competing for the cores, so it is the steadier number on a shared machine.
   */
  cpuUsPerReq: number;
  /**
   * CPU time of this bench process (autocannon, the body checks) per request, in microseconds. On
   * 2 cores the load generator and the server share the CPU, so a scenario that costs the
   * generator more lowers req/s without costing the server anything: this column says when.
   */
  benchCpuUsPerReq: number;
  /** The server's CPU per request by thread (see threadCpuMs), in microseconds. */
  threadCpuUsPerReq: { main: number; v8: number; pool: number };
}

export interface LoadSpec {
  label: string;
  url: string;
  body: string;
  token?: string;
  /** More request headers (an experiment's, e.g. a header as long as a token). */
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Fixed total request rate (req/s); omitted = as fast as the server answers. */
  overallRate?: number;
  /** Response-body check: a request whose body fails it counts as an error. */
  verifyBody: (body: string) => boolean;
  pid: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One bounded autocannon run, with exact (sub-millisecond) latencies taken from each response. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMiB(spec.pid).rss);
  }, 200);
  const t0 = performance.now();
  const cpu0 = cpuMs(spec.pid);
  const threads0 = threadCpuMs(spec.pid);
  const own0 = process.cpuUsage();
  // Without a callback autocannon returns its instance (an EventEmitter that is also a thenable).
  const instance = autocannon({
    url: spec.url,
    method: 'POST',
    connections: spec.connections,
    duration: spec.durationSec,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    headers: {
      'content-type': 'application/json',
      ...(spec.token ? { authorization: `Bearer ${spec.token}` } : {}),
      ...spec.headers,
    },
    body: spec.body,
    verifyBody: spec.verifyBody,
    timeout: 10,
  } as autocannon.Options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMs(spec.pid) - cpu0;
  const threads1 = threadCpuMs(spec.pid);
  const own = process.cpuUsage(own0);
  clearInterval(sampler);
  rssMax = Math.max(rssMax, rssMiB(spec.pid).rss);
  const sorted = Float64Array.from(latencies).sort();
  const r = result as autocannon.Result & { mismatches?: number };
  const perRequest = (ms: number) => (ms * 1000) / Math.max(1, r.requests.total);
  return {
    label: spec.label,
    rps: r.requests.total / Math.max(elapsed, spec.durationSec),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: r.errors + r.timeouts + r.non2xx + (r.mismatches ?? 0),
    requests: r.requests.total,
    rssMax,
    cpuUsPerReq: perRequest(cpu),
    benchCpuUsPerReq: (own.user + own.system) / Math.max(1, r.requests.total),
    threadCpuUsPerReq: {
      main: perRequest(threads1.main - threads0.main),
      v8: perRequest(threads1.v8 - threads0.v8),
      pool: perRequest(threads1.pool - threads0.pool),
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** JWT_ALGORITHM and a fresh private key for it, as a server's env (HS256: none; JWT_SECRET signs). */
export function algorithmEnv(alg: 'HS256' | 'EdDSA' | 'ES256' | 'RS256'): Record<string, string> {
  if (alg === 'HS256') return {};
  const key =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519').privateKey
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
  return { JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Runs a bench script's `main`, then stops its servers and removes its temp folder, however it ended. */
export function runThenCleanUp(main: () => Promise<void>, children: Child[], tmp: string): void {
  main()
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(async () => {
      await Promise.all(children.map((c) => c.stop()));
      fs.rmSync(tmp, { recursive: true, force: true });
    });
}
