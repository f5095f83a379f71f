/**
 * A CPU profile of one server under one load: `tsx bench/profile.ts <api|plain> <typename|me> [seconds] [dir]`.
 * `api` is `node dist/main.js` of this checkout (run `npm run build` first) in production mode;
 * `plain` is bench/ref/plain.ts. The server runs with `--cpu-prof`, gets a 2 s warm-up that the
 * profile includes (negligible beside the load), then `seconds` of 50-connection load; on SIGTERM
 * it writes `<dir>/<server>-<scenario>.cpuprofile`. Proportions of self time survive a loaded
 * machine much better than req/s do: compare the files, not the throughput printed here.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, gql, load, startNodeFlags, startServer } from './lib.js';

/** Production refuses to start without MFA_ENCRYPTION_KEY; the bench's servers get a fresh one. */
const MFA_ENCRYPTION_KEY = randomBytes(32).toString('base64');

const [which = 'api', scenario = 'typename', secondsArg = '8', outArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const root = path.resolve(import.meta.dirname, '..');
const outDir = path.resolve(outArg ?? path.join(root, 'bench-profiles'));
fs.mkdirSync(outDir, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-prof-'));
const secret = randomBytes(48).toString('base64url');
const name = `${which}-${scenario}`;

async function main() {
  const profArgs = ['--cpu-prof', `--cpu-prof-dir=${outDir}`, `--cpu-prof-name=${name}.cpuprofile`];
  const args =
    which === 'plain'
      ? [...profArgs, '--import', 'tsx', path.join(root, 'bench/ref/plain.ts')]
      : [...profArgs, ...startNodeFlags(root), path.join(root, 'dist/main.js')];
  const server = await startServer({
    name,
    command: process.execPath,
    args,
    cwd: root,
    port: await freePort(),
    logFile: path.join(tmp, `${name}.log`),
    env: {
      NODE_ENV: 'production',
      // Production needs the key that encrypts TOTP secrets (one per run is enough).
      MFA_ENCRYPTION_KEY,
      JWT_SECRET: secret,
      DATABASE_URL: `sqlite:${path.join(tmp, 'p.sqlite')}`,
      DATA_DIR: tmp,
    },
  });
  try {
    let token: string | undefined;
    let expect = '{"data":{"__typename":"Query"}}';
    const body = scenario === 'me' ? '{"query":"{ me { id role } }"}' : '{"query":"{ __typename }"}';
    if (scenario === 'me') {
      if (which === 'plain') {
        expect = JSON.stringify({ data: { me: { id: '00000000-0000-7000-8000-000000000000', role: 'USER' } } });
      } else {
        const r = await gql(server.base, 'mutation($i: SignupInput!) { signup(input: $i) { token user { id } } }', {
          i: { name: 'Prof', email: 'prof@example.com', password: 'correct horse battery staple' },
        });
        token = r.body.data.signup.token;
        expect = JSON.stringify({ data: { me: { id: r.body.data.signup.user.id, role: 'USER' } } });
      }
    }
    const spec = (durationSec: number) => ({
      label: name,
      url: `${server.base}/graphql`,
      body,
      token,
      connections: 50,
      durationSec,
      verifyBody: (b: string) => b === expect,
      pid: server.pid,
    });
    await load(spec(2));
    const r = await load(spec(seconds));
    console.log(
      `${name}: ${r.rps.toFixed(0)} req/s, ${r.errors} errors / ${r.requests}, server CPU ${r.cpuUsPerReq.toFixed(0)} us/request (load average ${os.loadavg()[0]!.toFixed(1)})`,
    );
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`profile: ${path.join(outDir, `${name}.cpuprofile`)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
