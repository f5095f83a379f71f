/**
 * A/B of two checkouts of the API in one run: `tsx bench/ab.ts <dirA> <dirB> [rounds] [seconds]`.
 * Both run what `npm start` runs (`node [package.json start flags] dist/main.js`: run `npm run build` in
 * each first) on fresh SQLite files, beside plain Yoga (bench/ref/plain.ts of this checkout);
 * { __typename } and `me` are loaded in interleaved rounds (50 connections) and the medians and
 * ratios printed. On a loaded machine trust the ratios (same run) and CPU per request, not req/s.
 * Used for the before/after numbers in src/ commits.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, gql, load, median, runThenCleanUp, startNodeFlags, startServer, type Child } from './lib.js';

/** Production refuses to start without MFA_ENCRYPTION_KEY; the bench's servers get a fresh one. */
const MFA_ENCRYPTION_KEY = randomBytes(32).toString('base64');

const PLAIN_ME = JSON.stringify({ data: { me: { id: '00000000-0000-7000-8000-000000000000', role: 'USER' } } });

const [dirA, dirB, roundsArg, secondsArg] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: tsx bench/ab.ts <dirA> <dirB> [rounds] [seconds]');
const rounds = Number(roundsArg ?? 5);
const seconds = Number(secondsArg ?? 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-ab-'));
const secret = randomBytes(48).toString('base64url');
const children: Child[] = [];

async function main() {
  const servers: Array<{ name: string; server: Child; token: string; me: string }> = [];
  for (const [name, dir] of [
    ['A', dirA],
    ['B', dirB],
  ] as Array<[string, string]>) {
    const server = await startServer({
      name,
      command: process.execPath,
      args: [...startNodeFlags(dir), 'dist/main.js'],
      cwd: path.resolve(dir),
      port: await freePort(),
      logFile: path.join(tmp, `${name}.log`),
      env: {
        NODE_ENV: 'production',
        // Production needs the key that encrypts TOTP secrets (one per run is enough).
        MFA_ENCRYPTION_KEY,
        JWT_SECRET: secret,
        DATABASE_URL: `sqlite:${path.join(tmp, `${name}.sqlite`)}`,
        DATA_DIR: tmp,
      },
    });
    children.push(server);
    const r = await gql(server.base, 'mutation($i: SignupInput!) { signup(input: $i) { token user { id } } }', {
      i: { name: 'AB', email: 'ab@example.com', password: 'correct horse battery staple' },
    });
    const { token, user } = r.body.data.signup;
    servers.push({ name, server, token, me: JSON.stringify({ data: { me: { id: user.id, role: 'USER' } } }) });
  }
  const plain = await startServer({
    name: 'plain',
    command: process.execPath,
    args: ['--import', 'tsx', path.join(import.meta.dirname, 'ref/plain.ts')],
    port: await freePort(),
    logFile: path.join(tmp, 'plain.log'),
    env: { NODE_ENV: 'production' },
  });
  children.push(plain);
  const scen = [
    ...servers.flatMap((s) => [
      {
        key: `${s.name} { __typename }`,
        s,
        body: '{"query":"{ __typename }"}',
        token: undefined,
        expect: '{"data":{"__typename":"Query"}}',
      },
      { key: `${s.name} me`, s, body: '{"query":"{ me { id role } }"}', token: s.token, expect: s.me },
    ]),
    {
      key: 'plain { __typename }',
      s: { server: plain },
      body: '{"query":"{ __typename }"}',
      token: undefined,
      expect: '{"data":{"__typename":"Query"}}',
    },
    {
      key: 'plain me',
      s: { server: plain },
      body: '{"query":"{ me { id role } }"}',
      token: undefined,
      expect: PLAIN_ME,
    },
  ];
  const res = new Map<string, number[]>(scen.map((x) => [x.key, []]));
  const cpu = new Map<string, number[]>(scen.map((x) => [x.key, []]));
  const gen = new Map<string, number[]>(scen.map((x) => [x.key, []]));
  const errs = new Map<string, number>(scen.map((x) => [x.key, 0]));
  console.log(
    `load average at start ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  for (let r = -1; r < rounds; r++) {
    for (let i = 0; i < scen.length; i++) {
      const x = scen[(i + Math.max(r, 0)) % scen.length]!;
      const out = await load({
        label: x.key,
        url: `${x.s.server.base}/graphql`,
        body: x.body,
        token: x.token,
        connections: 50,
        durationSec: r < 0 ? 1 : seconds,
        verifyBody: (b) => b === x.expect,
        pid: x.s.server.pid,
      });
      if (r >= 0) {
        res.get(x.key)!.push(out.rps);
        cpu.get(x.key)!.push(out.cpuUsPerReq);
        gen.get(x.key)!.push(out.benchCpuUsPerReq);
        errs.set(x.key, errs.get(x.key)! + out.errors);
      }
    }
  }
  for (const [k, v] of res)
    console.log(
      `${k}: median ${median(v).toFixed(0)} req/s [${v.map((x) => x.toFixed(0)).join(' ')}] errors ${errs.get(k)}; server CPU ${median(cpu.get(k)!).toFixed(0)} us/request [${cpu
        .get(k)!
        .map((x) => x.toFixed(0))
        .join(' ')}]; bench CPU ${median(gen.get(k)!).toFixed(0)} us/request`,
    );
  const plainTn = median(res.get('plain { __typename }')!);
  const plainTnCpu = median(cpu.get('plain { __typename }')!);
  for (const s of servers) {
    const me = median(res.get(`${s.name} me`)!);
    const tn = median(res.get(`${s.name} { __typename }`)!);
    const tnCpu = median(cpu.get(`${s.name} { __typename }`)!);
    console.log(
      `${s.name}: { __typename } / plain Yoga = ${(tn / plainTn).toFixed(2)}x (CPU: ${(plainTnCpu / tnCpu).toFixed(2)}x); me / { __typename } = ${(me / tn).toFixed(2)}x`,
    );
  }
  console.log(
    `B / A: { __typename } ${(median(res.get('B { __typename }')!) / median(res.get('A { __typename }')!)).toFixed(2)}x, me ${(median(res.get('B me')!) / median(res.get('A me')!)).toFixed(2)}x`,
  );
  for (const s of servers) {
    const me = median(cpu.get(`${s.name} me`)!);
    const tn = median(cpu.get(`${s.name} { __typename }`)!);
    console.log(
      `${s.name}: CPU per request, me / { __typename } = ${(me / tn).toFixed(2)}x (${me.toFixed(0)} vs ${tn.toFixed(0)} us)`,
    );
  }
}

runThenCleanUp(main, children, tmp);
