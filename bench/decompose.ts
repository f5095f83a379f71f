/**
 * Where `me`'s extra cost over `{ __typename }` goes, on one server: `tsx bench/decompose.ts [rounds] [seconds]`.
 * One API (what `npm start` runs, production) and plain Yoga; interleaved rounds of 50-connection
 * load; server CPU per request for each step between `{ __typename }` and `{ me { id role } }`:
 * the token only carried, a protected field with no sub-selection, one sub-field, then two.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, gql, load, median, runThenCleanUp, startNodeFlags, startServer, type Child } from './lib.js';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-dec-'));
const root = path.resolve(import.meta.dirname, '..');
const children: Child[] = [];

async function main() {
  const api = await startServer({
    name: 'api',
    command: process.execPath,
    args: [...startNodeFlags(root), 'dist/main.js'],
    cwd: root,
    port: await freePort(),
    logFile: path.join(tmp, 'api.log'),
    env: {
      NODE_ENV: 'production',
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      JWT_SECRET: randomBytes(48).toString('base64url'),
      DATABASE_URL: `sqlite:${path.join(tmp, 'api.sqlite')}`,
      DATA_DIR: tmp,
    },
  });
  children.push(api);
  const plain = await startServer({
    name: 'plain',
    command: process.execPath,
    args: ['--import', 'tsx', path.join(root, 'bench/ref/plain.ts')],
    port: await freePort(),
    logFile: path.join(tmp, 'plain.log'),
    env: { NODE_ENV: 'production' },
  });
  children.push(plain);
  const r = await gql(api.base, 'mutation($i: SignupInput!) { signup(input: $i) { token user { id } } }', {
    i: { name: 'Dec', email: 'dec@example.com', password: 'correct horse battery staple' },
  });
  const { token, user } = r.body.data.signup;
  const pid = '00000000-0000-7000-8000-000000000000';
  const extra = (process.env.DEC_QUERIES ?? '').split(';').filter(Boolean);
  const scen = [
    {
      key: 'api { __typename }',
      s: api,
      q: '{ __typename }',
      token: undefined as string | undefined,
      expect: '{"data":{"__typename":"Query"}}',
    },
    {
      key: 'api { __typename } + token',
      s: api,
      q: '{ __typename }',
      token,
      expect: '{"data":{"__typename":"Query"}}',
    },
    {
      key: 'api { me { __typename } }',
      s: api,
      q: '{ me { __typename } }',
      token,
      expect: '{"data":{"me":{"__typename":"User"}}}',
    },
    {
      key: 'api { me { id } }',
      s: api,
      q: '{ me { id } }',
      token,
      expect: JSON.stringify({ data: { me: { id: user.id } } }),
    },
    {
      key: 'api { me { id role } }',
      s: api,
      q: '{ me { id role } }',
      token,
      expect: JSON.stringify({ data: { me: { id: user.id, role: 'USER' } } }),
    },
    ...extra.map((q) => ({ key: `api ${q}`, s: api, q, token, expect: undefined as string | undefined })),
    {
      key: 'plain { __typename }',
      s: plain,
      q: '{ __typename }',
      token: undefined,
      expect: '{"data":{"__typename":"Query"}}',
    },
    {
      key: 'plain { me { id role } }',
      s: plain,
      q: '{ me { id role } }',
      token: undefined,
      expect: JSON.stringify({ data: { me: { id: pid, role: 'USER' } } }),
    },
  ];
  const cpu = new Map<string, number[]>(scen.map((x) => [x.key, []]));
  const rps = new Map<string, number[]>(scen.map((x) => [x.key, []]));
  for (let round = -1; round < rounds; round++) {
    for (let i = 0; i < scen.length; i++) {
      const x = scen[(i + Math.max(round, 0)) % scen.length]!;
      const out = await load({
        label: x.key,
        url: `${x.s.base}/graphql`,
        body: JSON.stringify({ query: x.q }),
        token: x.token,
        connections: 50,
        durationSec: round < 0 ? 1 : seconds,
        verifyBody: (b) => (x.expect ? b === x.expect : b.startsWith('{"data"')),
        pid: x.s.pid,
      });
      if (out.errors) throw new Error(`${x.key}: ${out.errors} errors`);
      if (round >= 0) {
        cpu.get(x.key)!.push(out.cpuUsPerReq);
        rps.get(x.key)!.push(out.rps);
      }
    }
  }
  const base = median(cpu.get('api { __typename }')!);
  const baseRps = median(rps.get('api { __typename }')!);
  for (const x of scen) {
    const c = median(cpu.get(x.key)!);
    const q = median(rps.get(x.key)!);
    console.log(
      `${x.key.padEnd(34)} ${c.toFixed(0).padStart(4)} us/request (${(c - base >= 0 ? '+' : '') + (c - base).toFixed(0)}) [${cpu
        .get(x.key)!
        .map((v) => v.toFixed(0))
        .join(' ')}]  ${q.toFixed(0)} req/s = ${(q / baseRps).toFixed(2)}x`,
    );
  }
}

runThenCleanUp(main, children, tmp);
