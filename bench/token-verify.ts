/**
 * `npx tsx bench/token-verify.ts`: what one access-token verification costs in-process, per
 * JWT_ALGORITHM, the first time a token is seen (signature checked) and every time after (the
 * verified-token cache in src/auth/jwt.ts). The HTTP benchmark (bench/run.ts) shows the same
 * through the whole server; this isolates the part the algorithm changes.
 */
import { createTokenSigner } from '../src/auth/jwt.js';
import type { JwtAlgorithm } from '../src/settings/jwt-keys.js';
import { loadConfig } from '../src/config.js';
import { algorithmEnv } from './lib.js';

const ROUNDS = 2;
const CACHED = 200_000;
const DISTINCT = 2_000;

function keyEnv(alg: JwtAlgorithm): Record<string, string> {
  return alg === 'HS256' ? { JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789' } : algorithmEnv(alg);
}

const user = { id: '0193a7c0-0000-7000-8000-000000000001', tokenVersion: 0, role: 'USER' as const };
const rows: string[] = [
  '| algorithm | token bytes | first verification | cached verification |',
  '| --- | ---: | ---: | ---: |',
];
for (const alg of ['HS256', 'EdDSA', 'ES256', 'RS256'] as const) {
  let full = Infinity;
  let cached = Infinity;
  let length = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const signer = await createTokenSigner(loadConfig(keyEnv(alg)).jwt);
    const tokens = await Promise.all(Array.from({ length: DISTINCT }, () => signer.sign(user)));
    length = tokens[0]!.length;
    let t0 = performance.now();
    for (const t of tokens) await signer.verify(t);
    full = Math.min(full, ((performance.now() - t0) / DISTINCT) * 1000);
    t0 = performance.now();
    for (let i = 0; i < CACHED; i++) await signer.verify(tokens[i % DISTINCT]!);
    cached = Math.min(cached, ((performance.now() - t0) / CACHED) * 1000);
  }
  rows.push(`| ${alg} | ${length} | ${full.toFixed(1)} us | ${cached.toFixed(2)} us |`);
}
process.stdout.write(`${rows.join('\n')}\n`);
