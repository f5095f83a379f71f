/**
 * `npm run bench`: the real server (src/main.ts, as a child process on a fresh SQLite file) under
 * autocannon over loopback, side by side in ONE run with two reference servers on the same schema
 * (bench/ref/plain.ts, bench/ref/jwt-generic-auth.ts in its documented and KeyObject set-ups).
 * Prints a Markdown table, every ratio, and whether each target of issue 6 is met.
 *
 *   npm run bench                      full run (4 interleaved rounds of 4 s, ~3 minutes)
 *   npm run bench -- --rounds 2 --duration 3
 *   npm run bench:guard                short run, exits 1 only on a gross regression (see GUARD below)
 *   npm run bench -- --algorithms HS256,EdDSA,ES256   which JWT_ALGORITHMs to run the API under (the default)
 *
 * Every load run has a fixed duration and stops by itself; everything stays on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { defaultHashConcurrency } from '../src/settings/hash-concurrency.js';
import { ARGON2_PARAMS } from '../src/auth/password.js';
import {
  algorithmEnv,
  freePort,
  gql,
  load,
  median,
  resetPeakRss,
  rssMiB,
  startServer,
  type Child,
  type LoadResult,
} from './lib.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    guard: { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'tsx,dist' },
    'no-refs': { type: 'boolean', default: false },
    algorithms: { type: 'string', default: 'HS256,EdDSA,ES256' },
    out: { type: 'string' },
  },
});

const GUARD = args.guard;
const ROUNDS = GUARD ? 2 : Number(args.rounds);
const DURATION = GUARD ? 3 : Number(args.duration);
const CONNECTIONS = Number(args.connections);
/** How the API is started: `tsx` = src/main.ts through tsx (what `npm start` runs), `dist` = node dist/main.js. */
const RUNTIMES = (GUARD ? 'tsx' : args.runtime!).split(',').map((r) => r.trim()) as Array<'tsx' | 'dist'>;
const REFS = !GUARD && !args['no-refs'];
/**
 * The API under each JWT_ALGORITHM: asymmetric verification costs 10-100x an HMAC, and the
 * verified-token cache must hide it. HS256 comes first: the reference servers verify its token.
 * Only HS256 also runs the login-flood phase (argon2's, the same under every algorithm).
 */
const ALGORITHMS = args.algorithms!.split(',').map((a) => a.trim()) as Array<'HS256' | 'EdDSA' | 'ES256' | 'RS256'>;
if (ALGORITHMS[0] !== 'HS256')
  throw new Error('--algorithms must start with HS256 (the reference servers use its token)');
const loadBefore = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const FLOOD_CONNECTIONS = 8;
/** What the server runs with: PASSWORD_HASH_CONCURRENCY, or its default for this machine. */
const HASH_CONCURRENCY =
  Number(process.env.PASSWORD_HASH_CONCURRENCY) ||
  defaultHashConcurrency(os.availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE) || 4);
/** A morning at the office: this many logins at the same instant, each its own connection. */
const BURST = 500;
/** bench:guard fails only below this me / { __typename } ratio (target is 0.75; this is a gross regression). */
const GUARD_MIN_RATIO = 0.5;

const root = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-bench-'));
const secret = randomBytes(48).toString('base64url');
const node = process.execPath;
const tsxCli = path.join(root, 'node_modules/tsx/dist/cli.mjs');
const children: Child[] = [];

interface Api {
  runtime: 'tsx' | 'dist';
  algorithm: (typeof ALGORITHMS)[number];
  label: string;
  server: Child;
  token: string;
  meBody: string;
}
const PLAIN_USER_ID = '00000000-0000-7000-8000-000000000000';
const meBodyFor = (id: string) => JSON.stringify({ data: { me: { id, role: 'USER' } } });
const TYPENAME = JSON.stringify({ query: '{ __typename }' });
const ME = JSON.stringify({ query: '{ me { id role } }' });
const EMAIL = 'bench@example.com';
const PASSWORD = 'correct horse battery staple';
const LOGIN = JSON.stringify({
  query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
  variables: { e: EMAIL, p: PASSWORD },
});

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function startOurs(name: string, dbFile: string, command: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  return startServer({
    name,
    command: command[0]!,
    args: command.slice(1),
    cwd: root,
    port,
    logFile: path.join(tmp, `${name}.log`),
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: `sqlite:${dbFile}`,
      DATA_DIR: tmp,
      JWT_SECRET: secret,
      ...env,
    },
  });
}

async function startRef(name: string, file: string, env: Record<string, string> = {}) {
  const port = await freePort();
  return startServer({
    name,
    command: node,
    args: ['--import', 'tsx', path.join(root, 'bench/ref', file)],
    cwd: root,
    port,
    logFile: path.join(tmp, `${name}.log`),
    env: { NODE_ENV: 'production', JWT_SECRET: secret, ...env },
  });
}

/** Requests per second that argon2 (the server's parameters, the server's concurrency) allows here. */
async function hashCapacity(concurrency: number, seconds: number): Promise<number> {
  const stored = await hash(PASSWORD, { algorithm: 2, ...ARGON2_PARAMS });
  const limit = pLimit(concurrency);
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      await limit(() => verify(stored, PASSWORD));
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - t0) / 1000);
}

/**
 * BURST logins sent at once (not a rate: all in flight together), as a burst of real users does.
 * The hashing queue admits by expected wait: all should succeed, the last after about
 * BURST x hash time / concurrency. Peak RSS shows that waiting logins hold no argon2 memory.
 */
async function loginBurst(a: Api) {
  resetPeakRss(a.server.pid);
  const t0 = performance.now();
  let last = 0;
  const results = await Promise.all(
    Array.from({ length: BURST }, async () => {
      try {
        const res = await fetch(`${a.server.base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: LOGIN,
        });
        const text = await res.text();
        last = Math.max(last, performance.now() - t0);
        return text.startsWith('{"data":{"login":{"token":"');
      } catch {
        return false;
      }
    }),
  );
  return { ok: results.filter(Boolean).length, lastMs: last, peak: rssMiB(a.server.pid).peak };
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : 'n/a');

async function main() {
  const t0 = performance.now();
  log(`temp folder ${tmp}; ${ROUNDS} rounds x ${DURATION} s, ${CONNECTIONS} connections${GUARD ? ' (guard)' : ''}`);

  // --- Start time: `npm start` (tsx) and, when built, `node dist/main.js`; each on a fresh database. ---
  const startTimes: Record<string, number[]> = { 'npm start (tsx src/main.ts)': [], 'node dist/main.js': [] };
  const distMain = path.join(root, 'dist/main.js');
  const startTries = GUARD ? 1 : 3;
  for (let i = 0; i < startTries; i++) {
    const a = await startOurs(`start-tsx-${i}`, path.join(tmp, `start-tsx-${i}.sqlite`), [node, tsxCli, 'src/main.ts']);
    startTimes['npm start (tsx src/main.ts)']!.push(a.startMs);
    await a.stop();
    if (fs.existsSync(distMain)) {
      const b = await startOurs(`start-dist-${i}`, path.join(tmp, `start-dist-${i}.sqlite`), [node, distMain]);
      startTimes['node dist/main.js']!.push(b.startMs);
      await b.stop();
    }
  }

  // --- The servers under test, all up at once so rounds can interleave. The API runs as `npm start`
  // runs it (src/main.ts through tsx) and, when built, as `node dist/main.js`. ---
  const apis: Api[] = [];
  for (const runtime of RUNTIMES) {
    if (runtime === 'dist' && !fs.existsSync(distMain)) {
      log('dist/main.js missing: run `npm run build` to bench the built server too');
      continue;
    }
    const cmd = runtime === 'tsx' ? [node, '--import', 'tsx', 'src/main.ts'] : [node, distMain];
    for (const algorithm of ALGORITHMS) {
      const tag = algorithm === 'HS256' ? runtime : `${runtime}-${algorithm.toLowerCase()}`;
      const server = await startOurs(`api-${tag}`, path.join(tmp, `${tag}.sqlite`), cmd, algorithmEnv(algorithm));
      children.push(server);
      // The test user, created through the API; an HS256 token is valid on the reference servers too (same secret).
      const signup = await gql(server.base, 'mutation($i: SignupInput!) { signup(input: $i) { token user { id } } }', {
        i: { name: 'Bench', email: EMAIL, password: PASSWORD },
      });
      const token: string | undefined = signup.body.data?.signup?.token;
      const userId: string | undefined = signup.body.data?.signup?.user?.id;
      if (!token || !userId) throw new Error(`signup failed: ${JSON.stringify(signup.body)}`);
      const where = runtime === 'tsx' ? 'tsx src/main.ts' : 'node dist/main.js';
      apis.push({
        runtime,
        algorithm,
        label: algorithm === 'HS256' ? `api (${where})` : `api (${where}, ${algorithm})`,
        server,
        token,
        meBody: meBodyFor(userId),
      });
    }
  }
  const refs = REFS
    ? [
        await startRef('ref-plain', 'plain.ts'),
        await startRef('ref-jwt-doc', 'jwt-generic-auth.ts', { KEY_MODE: 'string' }),
        await startRef('ref-jwt-keyobject', 'jwt-generic-auth.ts', { KEY_MODE: 'keyobject' }),
      ]
    : [];
  children.push(...refs);
  const [plain, jwtDoc, jwtKey] = refs;
  const first = apis[0]!;

  const typenameBody = JSON.stringify({ data: { __typename: 'Query' } });
  for (const a of apis) await sanity(a.server, a.token, a.meBody);
  if (jwtDoc && jwtKey) for (const s of [jwtDoc, jwtKey]) await sanity(s, first.token, first.meBody);

  type Scenario = { key: string; server: Child; body: string; token?: string; expect: string };
  const scenarios: Scenario[] = [];
  for (const a of apis) {
    scenarios.push(
      { key: `${a.label} { __typename }`, server: a.server, body: TYPENAME, expect: typenameBody },
      { key: `${a.label} me`, server: a.server, body: ME, token: a.token, expect: a.meBody },
    );
  }
  if (plain && jwtDoc && jwtKey) {
    scenarios.push(
      { key: 'plain Yoga { __typename }', server: plain, body: TYPENAME, expect: typenameBody },
      { key: 'plain Yoga me (no auth)', server: plain, body: ME, expect: meBodyFor(PLAIN_USER_ID) },
      {
        key: 'plugin-jwt + generic-auth me (docs: string secret)',
        server: jwtDoc,
        body: ME,
        token: first.token,
        expect: first.meBody,
      },
      {
        key: 'plugin-jwt + generic-auth me (KeyObject)',
        server: jwtKey,
        body: ME,
        token: first.token,
        expect: first.meBody,
      },
    );
  }
  const runs = new Map<string, LoadResult[]>(scenarios.map((s) => [s.key, []]));
  const spec = (s: Scenario, durationSec: number) => ({
    label: s.key,
    url: `${s.server.base}/graphql`,
    body: s.body,
    token: s.token,
    connections: CONNECTIONS,
    durationSec,
    verifyBody: (b: string) => b === s.expect,
    pid: s.server.pid,
  });
  for (const s of scenarios) await load(spec(s, 1)); // warm-up: JIT, caches, connection set-up
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so drift on a shared machine spreads over every scenario.
    const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]!);
    for (const s of order) runs.get(s.key)!.push(await load(spec(s, DURATION)));
    log(`round ${round + 1}/${ROUNDS} done`);
  }
  const med = (key: string): LoadResult => {
    const rs = runs.get(key)!;
    return {
      label: key,
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      requests: rs.reduce((a, r) => a + r.requests, 0),
      rssMax: Math.max(...rs.map((r) => r.rssMax)),
      cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
    };
  };

  // --- Logins: the hash function's capacity, logins alone, then `me` at a fixed rate idle and
  // during an 8-way login flood. ---
  // The hash function's capacity is measured right before and right after each API's login phase and
  // averaged, so that other processes on a shared machine weigh on both sides of the ratio alike.
  const capSeconds = GUARD ? 2 : DURATION;
  const floodRows: LoadResult[] = [];
  const flood = new Map<
    string,
    {
      loginAlone: LoadResult;
      meIdle: LoadResult;
      meFlood: LoadResult;
      loginFlood: LoadResult;
      peak: number;
      floodPeak: number;
      peakReset: boolean;
      capacity: number;
      caps: number[];
      burst: { ok: number; lastMs: number; peak: number };
    }
  >();
  for (const a of apis.filter((x) => x.algorithm === 'HS256')) {
    const capBefore = await hashCapacity(HASH_CONCURRENCY, capSeconds);
    const loginSpec = (label: string, durationSec: number) => ({
      label,
      url: `${a.server.base}/graphql`,
      body: LOGIN,
      connections: FLOOD_CONNECTIONS,
      durationSec,
      verifyBody: (b: string) => b.startsWith('{"data":{"login":{"token":"'),
      pid: a.server.pid,
    });
    const meRps = med(`${a.label} me`).rps;
    const probeRate = Math.max(100, Math.min(2000, Math.round((meRps * 0.25) / 100) * 100));
    const probeSpec = (label: string, durationSec: number) => ({
      label,
      url: `${a.server.base}/graphql`,
      body: ME,
      token: a.token,
      connections: 10,
      overallRate: probeRate,
      durationSec,
      verifyBody: (b: string) => b === a.meBody,
      pid: a.server.pid,
    });
    const floodDuration = DURATION + 2;
    const loginAlone = await load(loginSpec(`${a.label} login (8 connections)`, DURATION));
    const meIdle = await load(probeSpec(`${a.label} me at ${probeRate} req/s, idle`, floodDuration));
    const peakBeforeFlood = rssMiB(a.server.pid).peak;
    const peakReset = resetPeakRss(a.server.pid);
    const [meFlood, loginFlood] = await Promise.all([
      load(probeSpec(`${a.label} me at ${probeRate} req/s, during 8-way login flood`, floodDuration)),
      load(loginSpec(`${a.label} login, the flood itself`, floodDuration)),
    ]);
    // With the reset, VmHWM now covers the flood alone; without it (no clear_refs), the whole run so far.
    const floodPeak = rssMiB(a.server.pid).peak;
    const peak = Math.max(peakBeforeFlood, floodPeak);
    const capAfter = await hashCapacity(HASH_CONCURRENCY, capSeconds);
    const capacity = (capBefore + capAfter) / 2;
    log(`${a.label}: ${BURST} logins at once`);
    const burst = await loginBurst(a);
    flood.set(a.label, {
      loginAlone,
      meIdle,
      meFlood,
      loginFlood,
      peak,
      floodPeak,
      peakReset,
      capacity,
      caps: [capBefore, capAfter],
      burst,
    });
    // The process's CPU during the flood is mostly argon2's: per-request CPU of `me` means nothing there.
    floodRows.push(loginAlone, meIdle, { ...meFlood, cpuUsPerReq: NaN }, loginFlood);
  }

  // --- Report. ---
  const rows: LoadResult[] = [...scenarios.map((s) => med(s.key)), ...floodRows];
  const lines: string[] = [];
  lines.push(
    `Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${os.platform()} ${os.release()}, load average before the run ${loadBefore}`,
  );
  lines.push(
    `${ROUNDS} rounds x ${DURATION} s per scenario, interleaved, medians; ${CONNECTIONS} connections for throughput rows; total run ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  lines.push('');
  lines.push('| scenario | req/s | p50 | p99 | errors / requests | server RSS max | server CPU / request |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${fmt(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors} / ${r.requests} | ${fmt(r.rssMax)} MiB | ${Number.isFinite(r.cpuUsPerReq) ? `${fmt(r.cpuUsPerReq)} us` : 'n/a'} |`,
    );
  }
  lines.push('');
  for (const a of apis) {
    const f = flood.get(a.label);
    if (!f) continue;
    lines.push(
      `argon2id verify capacity at concurrency ${HASH_CONCURRENCY} (m=${ARGON2_PARAMS.memoryCost}, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism}), ` +
        `measured in the bench process just before and after the ${a.label} login phase: ${f.caps.map((c) => fmt(c, 1)).join(' and ')} /s, mean ${fmt(f.capacity, 1)} /s`,
    );
  }
  for (const [k, v] of Object.entries(startTimes)) {
    if (v.length)
      lines.push(`start to /health 200, ${k}: median ${fmt(median(v))} ms (${v.map((x) => fmt(x)).join(', ')})`);
    else lines.push(`start to /health 200, ${k}: not measured (run \`npm run build\` first)`);
  }
  lines.push('');

  type Check = { what: string; value: string; target: string; ok: boolean };
  const checks: Check[] = [];
  const ratio = (a: number, b: number) => a / b;
  const add = (what: string, v: number, target: string, ok: boolean, unit = 'x') =>
    checks.push({
      what,
      value: unit === 'x' ? `${v.toFixed(2)}x` : `${fmt(v, unit === 'x' ? 2 : 0)}${unit}`,
      target,
      ok,
    });
  if (plain && jwtDoc && jwtKey) {
    const p = med('plain Yoga { __typename }');
    const d = med('plugin-jwt + generic-auth me (docs: string secret)');
    const k = med('plugin-jwt + generic-auth me (KeyObject)');
    add(
      'plain Yoga me (no auth) / plain Yoga { __typename }',
      ratio(med('plain Yoga me (no auth)').rps, p.rps),
      '(info)',
      true,
    );
    add('plugin-jwt + generic-auth me (docs) / plain Yoga { __typename }', ratio(d.rps, p.rps), '(info)', true);
    add('plugin-jwt + generic-auth me (KeyObject) / plain Yoga { __typename }', ratio(k.rps, p.rps), '(info)', true);
  }
  for (const a of apis) {
    const typename = med(`${a.label} { __typename }`);
    const me = med(`${a.label} me`);
    const f = flood.get(a.label);
    add(
      `${a.label}: me / its own { __typename }`,
      ratio(me.rps, typename.rps),
      '>= 0.75x',
      ratio(me.rps, typename.rps) >= 0.75,
    );
    add(
      `${a.label}: same, from server CPU per request ({ __typename } us / me us)`,
      ratio(typename.cpuUsPerReq, me.cpuUsPerReq),
      '(info: steadier on a busy machine)',
      true,
    );
    // The reference servers verify HS256; comparing an EdDSA server with them would mix two questions.
    if (plain && jwtDoc && jwtKey && a.algorithm === 'HS256') {
      const p = med('plain Yoga { __typename }');
      const d = med('plugin-jwt + generic-auth me (docs: string secret)');
      const k = med('plugin-jwt + generic-auth me (KeyObject)');
      add(`${a.label}: { __typename } / plain Yoga { __typename }`, ratio(typename.rps, p.rps), '(info)', true);
      add(`${a.label}: me / plain Yoga { __typename }`, ratio(me.rps, p.rps), '(info)', true);
      add(
        `${a.label}: me / plugin-jwt + generic-auth me (docs)`,
        ratio(me.rps, d.rps),
        '>= 2x',
        ratio(me.rps, d.rps) >= 2,
      );
      add(
        `${a.label}: me / plugin-jwt + generic-auth me (KeyObject)`,
        ratio(me.rps, k.rps),
        '> 1x',
        ratio(me.rps, k.rps) > 1,
      );
      add(
        `${a.label}: same two, from server CPU per request (docs / KeyObject)`,
        ratio(d.cpuUsPerReq, me.cpuUsPerReq),
        `(info) KeyObject ${ratio(k.cpuUsPerReq, me.cpuUsPerReq).toFixed(2)}x`,
        true,
      );
    }
    if (!f) continue;
    add(
      `${a.label}: me p99 during flood / me p99 idle`,
      ratio(f.meFlood.p99, f.meIdle.p99),
      '<= 2x',
      ratio(f.meFlood.p99, f.meIdle.p99) <= 2,
    );
    add(`${a.label}: me errors during flood`, f.meFlood.errors, '0', f.meFlood.errors === 0, '');
    add(`${a.label}: logins/s alone / argon2 capacity`, ratio(f.loginAlone.rps, f.capacity), '(info)', true);
    add(
      `${a.label}: logins/s during flood / argon2 capacity`,
      ratio(f.loginFlood.rps, f.capacity),
      '>= 0.80x',
      ratio(f.loginFlood.rps, f.capacity) >= 0.8,
    );
    add(`${a.label}: login errors during flood`, f.loginFlood.errors, '0', f.loginFlood.errors === 0, '');
    add(
      `${a.label}: peak RSS under the login flood (VmHWM${f.peakReset ? ', reset just before it' : ', since start: clear_refs failed'})`,
      f.floodPeak,
      '<= 300 MiB',
      f.floodPeak <= 300,
      ' MiB',
    );
    add(`${a.label}: peak RSS over the whole run (50-connection rows included)`, f.peak, '(info)', true, ' MiB');
    add(`${a.label}: ${BURST} logins at once, succeeded`, f.burst.ok, `${BURST}`, f.burst.ok === BURST, '');
    add(
      `${a.label}: ${BURST} logins at once, time to the last answer`,
      f.burst.lastMs,
      `(info: about ${BURST} / ${fmt(f.capacity, 1)} per s = ${fmt((BURST / f.capacity) * 1000)} ms)`,
      true,
      ' ms',
    );
    add(
      `${a.label}: ${BURST} logins at once, peak RSS (VmHWM)`,
      f.burst.peak,
      '<= 300 MiB',
      f.burst.peak <= 300,
      ' MiB',
    );
  }
  for (const [k, v] of Object.entries(startTimes)) {
    if (v.length) add(`start to /health 200, ${k}`, median(v), '<= 1500 ms', median(v) <= 1500, ' ms');
  }
  lines.push('| ratio / check | value | target | met |');
  lines.push('| --- | ---: | --- | --- |');
  for (const c of checks)
    lines.push(
      `| ${c.what} | ${c.value} | ${c.target} | ${c.target.startsWith('(info') ? '' : c.ok ? 'yes' : '**no**'} |`,
    );
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);
  if (args.out) fs.writeFileSync(args.out, `${report}\n`);

  if (GUARD) {
    // Only gross regressions fail: a broken auth path (errors) or `me` far below { __typename }.
    const problems: string[] = [];
    for (const a of apis) {
      const typename = med(`${a.label} { __typename }`);
      const me = med(`${a.label} me`);
      const f = flood.get(a.label);
      const r = ratio(me.rps, typename.rps);
      if (r < GUARD_MIN_RATIO)
        problems.push(`${a.label}: me is ${r.toFixed(2)}x of { __typename }, below ${GUARD_MIN_RATIO}x`);
      if (me.errors > 0 || typename.errors > 0)
        problems.push(`${a.label}: errors under load: me ${me.errors}, __typename ${typename.errors}`);
      if (f && (f.loginAlone.errors > 0 || f.loginAlone.requests === 0))
        problems.push(`${a.label}: login ${f.loginAlone.requests} requests, ${f.loginAlone.errors} errors`);
      if (f && f.meFlood.errors > 0) problems.push(`${a.label}: me during login flood: ${f.meFlood.errors} errors`);
      if (f && f.burst.ok < BURST) problems.push(`${a.label}: ${BURST} logins at once: only ${f.burst.ok} succeeded`);
      process.stdout.write(`${a.label}: me / { __typename } = ${r.toFixed(2)}x (guard floor ${GUARD_MIN_RATIO}x)\n`);
    }
    if (problems.length) {
      process.stdout.write(`bench:guard FAILED\n  - ${problems.join('\n  - ')}\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('bench:guard ok\n');
    }
  }
}

async function sanity(server: Child, token: string, meBody: string) {
  const r = await gql(server.base, '{ me { id role } }', undefined, token);
  if (JSON.stringify(r.body) !== meBody) throw new Error(`${server.name}: me answered ${JSON.stringify(r.body)}`);
  const bad = await gql(server.base, '{ me { id role } }', undefined, `${token.slice(0, -2)}xx`);
  if (!bad.body.errors) throw new Error(`${server.name}: accepted a forged token`);
}

async function cleanup() {
  await Promise.all(children.map((c) => c.stop()));
  // BENCH_KEEP=1 keeps the temp folder (server logs, SQLite files) for a look afterwards.
  if (process.env.BENCH_KEEP) log(`kept ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  })
  .finally(() => cleanup());
