// In-process: yoga.fetch of { __typename } vs { me { id role } }, interleaved, CPU per op.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const root = process.env.DIST ?? '/work/main/dist';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-'));
Object.assign(process.env, {
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(48).toString('base64url'),
  DATABASE_URL: `sqlite:${tmp}/a.sqlite`,
  DATA_DIR: tmp,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
});
const { loadConfig } = await import(`${root}/config.js`);
const { openDatabase } = await import(`${root}/db/data-source.js`);
const { createLogger } = await import(`${root}/logger.js`);
const { createServices } = await import(`${root}/services.js`);
const { createApp } = await import(`${root}/server.js`);
const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel, json: true });
const ds = await openDatabase(config.database, { migrate: true });
const services = await createServices(config, ds, logger);
const yoga = createApp({ services, dataSource: ds });
const post = (q, token) =>
  yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(q)),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: q,
  });
const s = await (
  await post(
    JSON.stringify({
      query: 'mutation($i: SignupInput!) { signup(input: $i) { token } }',
      variables: { i: { name: 'P', email: 'p@example.com', password: 'correct horse battery staple' } },
    }),
  )
).json();
const token = s.data.signup.token;
const Q = { typename: ['{"query":"{ __typename }"}'], me: ['{"query":"{ me { id role } }"}', token] };
console.log(await (await post(...Q.me)).text());
const N = Number(process.argv[2] ?? 4000);
async function run(k) {
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await post(...Q[k]);
    await r.text();
  }
  const c = process.cpuUsage(t0);
  return { k, cpu: (c.user + c.system) / N, wall: ((performance.now() - w0) * 1000) / N };
}
if (process.env.T) {
  const orig = services.users.findForToken.bind(services.users);
  let acc = 0n,
    n = 0;
  services.users.findForToken = (a, b) => {
    const t = process.hrtime.bigint();
    const p = orig(a, b);
    acc += process.hrtime.bigint() - t;
    n++;
    return p;
  };
  for (let r = 0; r < 3; r++) {
    acc = 0n;
    n = 0;
    const x = await run('me');
    console.log('me us/op', x.wall.toFixed(1), 'findForToken sync part us', (Number(acc) / n / 1000).toFixed(2));
  }
  process.exit(0);
}
if (process.env.Q) {
  const { decodeJwt } = await import('jose');
  const c = decodeJwt(token);
  const conn = ds.driver.databaseConnection;
  const st = conn.prepare('SELECT 1');
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    for (let i = 0; i < 50000; i++) await services.users.findForToken(c.sub, c.sid);
    console.log('findForToken us', (((performance.now() - t) * 1000) / 50000).toFixed(2));
    t = performance.now();
    for (let i = 0; i < 50000; i++) st.get();
    console.log('select1 us', (((performance.now() - t) * 1000) / 50000).toFixed(2));
  }
  process.exit(0);
}
if (process.env.ONLY) {
  await run(process.env.ONLY);
  await run(process.env.ONLY);
  process.exit(0);
}
const res = { typename: [], me: [] };
for (let r = 0; r < 7; r++) for (const k of r % 2 ? ['me', 'typename'] : ['typename', 'me']) res[k].push(await run(k));
const med = (a) => a.map((x) => x.wall).sort((x, y) => x - y)[a.length >> 1];
console.log(
  'typename wall us/op',
  med(res.typename).toFixed(1),
  'me',
  med(res.me).toFixed(1),
  'ratio',
  (med(res.typename) / med(res.me)).toFixed(2),
);
process.exit(0);
