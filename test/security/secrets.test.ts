import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { newSecret, startServer } from '../helpers/server.js';

describe('secrets at start', () => {
  it.each([
    ['missing', '', /JWT_SECRET is required in production/],
    ['shorter than 32 bytes', 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0a', /31 bytes; production needs at least 32/],
    ['a placeholder repeated', 'your-256-bit-secret-your-256-bit-secret', /too weak for production: it repeats itself/],
    ['one repeated character', 'x'.repeat(48), /too weak for production: it has fewer than 10 distinct/],
    ['a word repeated', 'changemechangemechangemechangeme', /too weak for production/],
    ['another word repeated', 'secretsecretsecretsecretsecretsecret', /too weak for production/],
    // Read as given (never trimmed), so the whitespace itself is what is refused.
    [
      'a placeholder with a leading space',
      ' your-256-bit-secret-for-production',
      /too weak for production: it starts or ends with whitespace/,
    ],
    ['a strong secret with a trailing newline', `${newSecret()}\n`, /it starts or ends with whitespace/],
    ['an English sentence', 'thisismysupersecretjwtkeyforprod', /bits of randomness; at least 128/],
  ])('a production start with a JWT_SECRET %s stops with a clear message', async (_label, secret, message) => {
    const start = startServer({ NODE_ENV: 'production', JWT_SECRET: secret });
    await expect(start).rejects.toThrow(/exited \(1\) before listening/);
    const output = await start.catch((e: Error) => e.message);
    expect(output).toMatch(message);
    if (secret.length >= 32) expect(output).toContain('openssl rand -base64 48');
    if (secret) expect(output).not.toContain(secret);
  });
});

describe('key rotation', () => {
  it('tokens signed with a JWT_PREVIOUS_SECRETS key stay valid; new ones use the current key only', async () => {
    // One database file outlives the three servers that take turns on it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-'));
    const DATABASE_URL = `sqlite:${path.join(dir, 'db.sqlite')}`;
    try {
      const before = await startServer({ DATABASE_URL });
      const u = await httpClient(before.url).signup();
      await before.stop();

      const rotated = newSecret();
      const after = await startServer({ DATABASE_URL, JWT_SECRET: rotated, JWT_PREVIOUS_SECRETS: before.secret });
      try {
        const c2 = httpClient(after.url);
        expect((await c2.gql('{ me { id } }', undefined, { token: u.token })).body.data.me.id).toBe(u.id);
        const fresh = (await c2.login(u.email, u.password)).body.data.login.token as string;
        const { jwtVerify } = await import('jose');
        await expect(jwtVerify(fresh, new TextEncoder().encode(rotated))).resolves.toBeTruthy();
      } finally {
        await after.stop();
      }

      // Once the previous key is dropped from the list, its tokens are refused.
      const dropped = await startServer({ DATABASE_URL, JWT_SECRET: rotated });
      try {
        expect((await httpClient(dropped.url).gql('{ me { id } }', undefined, { token: u.token })).code).toBe(
          'UNAUTHENTICATED',
        );
      } finally {
        await dropped.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
