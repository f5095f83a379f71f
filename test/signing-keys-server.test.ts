import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpClient } from './helpers/client.js';
import { keyEnv, newKeyPair } from './helpers/keys.js';
import { startServer } from './helpers/server.js';

// The real process: what an operator sees at start.

describe('starting with asymmetric keys', () => {
  it('production refuses to start without JWT_PRIVATE_KEY, with the openssl command', async () => {
    const start = startServer({ JWT_ALGORITHM: 'ES256' });
    await expect(start).rejects.toThrow(/server exited \(1\) before listening/);
    await expect(start).rejects.toThrow(
      /Configuration error: JWT_PRIVATE_KEY is required in production with JWT_ALGORITHM=ES256: make a key with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256/,
    );
  });

  it('production refuses a key that does not fit the algorithm', async () => {
    await expect(
      startServer({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: newKeyPair('RS256').privateKey }),
    ).rejects.toThrow(
      /JWT_PRIVATE_KEY is a 2048-bit RSA key, which does not fit JWT_ALGORITHM=EdDSA \(it fits RS256\)/,
    );
  });

  it('production with a key file path serves its JWKS over HTTP', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyfile-'));
    const pair = newKeyPair('EdDSA');
    fs.writeFileSync(path.join(dir, 'jwt.pem'), pair.privateKey, { mode: 0o600 });
    const server = await startServer({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: path.join(dir, 'jwt.pem') });
    try {
      const res = await fetch(`${server.url}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      const { keys } = (await res.json()) as { keys: { kty: string; alg: string }[] };
      expect(keys.map((k) => [k.kty, k.alg])).toEqual([['OKP', 'EdDSA']]);
      // No key material in the log, ever.
      expect(server.output()).not.toContain(pair.privateKey.split('\n')[1]!);
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Two server starts through tsx and a signup: well over the default timeout on a busy 2-core machine.
  it('development: a key made once into DATA_DIR, with a warning, survives a restart with its tokens', {
    timeout: 90_000,
  }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devkey-server-'));
    try {
      const env = { NODE_ENV: 'development', JWT_ALGORITHM: 'ES256', DATA_DIR: dataDir };
      const first = await startServer(env);
      expect(first.output()).toMatch(/JWT_PRIVATE_KEY is not set: signing ES256 tokens with a new development key/);
      const user = await httpClient(first.url).signup();
      const jwks1 = await (await fetch(`${first.url}/.well-known/jwks.json`)).text();
      await first.stop();
      expect(fs.statSync(path.join(dataDir, 'jwt-es256-private.pem')).mode & 0o777).toBe(0o600);

      const second = await startServer(env);
      try {
        expect(second.output()).toMatch(/with a stored development key/);
        expect(await (await fetch(`${second.url}/.well-known/jwks.json`)).text()).toBe(jwks1);
        const me = await httpClient(second.url).gql('{ me { id } }', undefined, { token: user.token });
        expect(me.body.data.me.id).toBe(user.id);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a JWT_SECRET left set beside an asymmetric key signs nothing', async () => {
    const server = await startServer(keyEnv(newKeyPair('RS256')));
    try {
      const { token } = await httpClient(server.url).signup();
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg).toBe('RS256');
    } finally {
      await server.stop();
    }
  });
});
