// Ad-hoc: argon2 capacity in this process vs logins/s through the server, alternating.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { ARGON2_PARAMS } from '../src/auth/password.js';
import { freePort, gql, load, startServer } from './lib.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-'));
const server = await startServer({
  name: 'lp', command: process.execPath, args: ['dist/main.js'], port: await freePort(), logFile: path.join(tmp, 'log'),
  env: { NODE_ENV: 'production', JWT_SECRET: randomBytes(48).toString('base64url'), DATABASE_URL: `sqlite:${tmp}/db.sqlite`, ...(process.env.EXTRA ? JSON.parse(process.env.EXTRA) : {}) },
});
const PASSWORD = 'correct horse battery staple';
await gql(server.base, 'mutation($i: SignupInput!) { signup(input: $i) { token } }', { i: { name: 'x', email: 'x@example.com', password: PASSWORD } });
const stored = await hash(PASSWORD, { algorithm: 2, ...ARGON2_PARAMS });
for (let r = 0; r < 3; r++) {
  const limit = pLimit(2); let done = 0; const t0 = performance.now(); const end = t0 + 3000;
  await Promise.all([0, 1].map(async () => { while (performance.now() < end) { await limit(() => verify(stored, PASSWORD)); done++; } }));
  const cap = done / ((performance.now() - t0) / 1000);
  const l = await load({ label: 'login', url: `${server.base}/graphql`, connections: Number(process.env.CONN ?? 8), durationSec: 3, pid: server.pid,
    body: JSON.stringify({ query: 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', variables: { e: 'x@example.com', p: PASSWORD } }),
    verifyBody: (b) => b.startsWith('{"data":{"login"') });
  console.log(`capacity ${cap.toFixed(1)}/s  login ${l.rps.toFixed(1)}/s  ratio ${(l.rps / cap).toFixed(2)} errors ${l.errors} p50 ${l.p50.toFixed(0)}`);
}
await server.stop();
fs.rmSync(tmp, { recursive: true, force: true });
