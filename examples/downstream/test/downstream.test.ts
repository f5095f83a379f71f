import { createHmac, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../../../test/helpers/client.js';
import { keyEnv, newKeyPair, type PemPair, signRaw } from '../../../test/helpers/keys.js';
import { type SpawnedServer, startServer } from '../../../test/helpers/server.js';
import { createDownstream, type Verifier } from '../src/service.js';

// Both servers for real: the auth API as its own process (production mode, an asymmetric key),
// and this downstream service on its own HTTP port, which knows nothing but the API's JWKS URL.
// Each algorithm goes through a whole key rotation on one database and one URL; the downstream
// service is never told about any key.

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const VIEWER = '{ viewer { id role } }';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Downstream {
  url: string;
  close(): Promise<void>;
}
async function startDownstream(verifier: Verifier, apiUrl: string): Promise<Downstream> {
  const yoga = createDownstream({
    jwksUrl: `${apiUrl}/.well-known/jwks.json`,
    issuer: 'graphql-auth-api',
    audience: 'graphql-auth-api',
    verifier,
    logging: false,
  });
  const server: Server = createServer(yoga);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function viewer(d: Downstream, token?: string) {
  const res = await fetch(d.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: VIEWER }),
  });
  const body = (await res.json()) as {
    data?: { viewer?: { id: string } } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  return {
    id: body.data?.viewer?.id ?? null,
    status: res.status,
    code: body.errors?.[0]?.extensions?.code ?? null,
    message: body.errors?.[0]?.message ?? null,
  };
}

/**
 * Accepted as `id`. Our jose service answers every refusal UNAUTHENTICATED; plugin-jwt answers a
 * bad signature or claim with HTTP 401 "Unauthenticated", and a kid it cannot find in the JWKS
 * with a server error ("Authentication is not available at the moment", masked): the failure a
 * gateway meets after a rotation nobody announced in the JWKS first (docs/gateways.md).
 */
function expectAccepted(r: Awaited<ReturnType<typeof viewer>>, id: string) {
  expect(r).toMatchObject({ id, status: 200, message: null });
}
function expectRefused(r: Awaited<ReturnType<typeof viewer>>, verifier: Verifier, what = '') {
  expect({ what, id: r.id }).toEqual({ what, id: null });
  if (verifier === 'jose') expect({ what, code: r.code }).toEqual({ what, code: 'UNAUTHENTICATED' });
  else
    expect({ what, refused: r.status === 401 || r.code === 'INTERNAL_SERVER_ERROR' }).toEqual({ what, refused: true });
}

const CASES: Array<[PemPair['alg'], Verifier]> = [
  ['EdDSA', 'jose'],
  ['ES256', 'jose'],
  ['RS256', 'jose'],
  ['ES256', 'plugin-jwt'],
  ['RS256', 'plugin-jwt'],
];

describe.each(CASES)('%s tokens at a downstream service verifying with %s', (alg, verifier) => {
  const a = newKeyPair(alg);
  const b = newKeyPair(alg);
  let dir: string;
  let port: number;
  let api: SpawnedServer | undefined;
  const downstreams: Downstream[] = [];
  let user: { id: string; token: string; email: string; password: string };
  let tokenB: string;

  /** The API on a fixed URL and database, as a restart with new key settings. */
  async function restartApi(env: Record<string, string>) {
    await api?.stop();
    api = await startServer({
      ...env,
      PORT: String(port),
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${path.join(dir, 'api.sqlite')}`,
    });
    return api;
  }
  async function downstream() {
    const d = await startDownstream(verifier, api!.url);
    downstreams.push(d);
    return d;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'downstream-'));
    port = await freePort();
  });
  afterAll(async () => {
    await Promise.all(downstreams.map((d) => d.close()));
    await api?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let first: Downstream;
  it('accepts a token from the API, knowing only the JWKS URL; refuses no token and forgeries', async () => {
    // Step 1 of the rotation already: A signs, B is published ahead.
    await restartApi(keyEnv(a, { JWT_NEXT_PUBLIC_KEY: b.publicKey }));
    const signup = await httpClient(api!.url).signup();
    user = { ...signup, email: signup.email, password: signup.password };
    first = await downstream();
    expectAccepted(await viewer(first, user.token), user.id);
    expect((await viewer(first)).code).toBe('UNAUTHENTICATED');

    const [h, p, s] = user.token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forgeries = {
      'tampered payload': `${h}.${b64({ ...claims, role: 'ADMIN' })}.${s}`,
      'our kid, an attacker key': signRaw(newKeyPair(alg), header, claims),
      'HS256 keyed with our public key': (() => {
        const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: header.kid })}.${p}`;
        return `${input}.${createHmac('sha256', a.publicKey).update(input).digest('base64url')}`;
      })(),
      'alg none': `${b64({ alg: 'none', typ: 'JWT', kid: header.kid })}.${p}.`,
      'embedded attacker jwk': (() => {
        const evil = newKeyPair(alg);
        const jwk = createPublicKey(evil.publicKey).export({ format: 'jwk' });
        return signRaw(evil, { ...header, kid: undefined, jwk }, claims);
      })(),
      'wrong audience, signed by our key': signRaw(a, header, { ...claims, aud: 'someone-else' }),
      expired: signRaw(a, header, { ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 }),
    };
    for (const [what, token] of Object.entries(forgeries)) {
      expectRefused(await viewer(first, token), verifier, what);
    }
  });

  it('keeps working across the switch: the next key was already in its cached JWKS', async () => {
    // Step 2: B signs, A is previous. The downstream service still holds the JWKS it fetched at step 1.
    await restartApi(keyEnv(b, { JWT_PREVIOUS_PUBLIC_KEYS: a.publicKey }));
    const login = await httpClient(api!.url).gql(
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      { e: user.email, p: user.password },
    );
    tokenB = login.body.data.login.token;
    expectAccepted(await viewer(first, tokenB), user.id);
    expectAccepted(await viewer(first, user.token), user.id);
  });

  it('refuses a rotated-out key once the API stops publishing it', async () => {
    // Step 3: A removed from the JWKS. A service that (re)loads the key set no longer accepts A.
    await restartApi(keyEnv(b));
    const fresh = await downstream();
    expectAccepted(await viewer(fresh, tokenB), user.id);
    const rotatedOut = await viewer(fresh, user.token);
    expectRefused(rotatedOut, verifier);
    if (verifier === 'plugin-jwt') expect(rotatedOut.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
