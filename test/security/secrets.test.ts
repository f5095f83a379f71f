import { describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/http-client.js';
import { startServer } from '../helpers/server-process.js';

describe('secrets at start', () => {
  it.each([
    ['missing', '', /JWT_SECRET is required in production/],
    ['shorter than 32 bytes', 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0a', /31 bytes; production needs at least 32/],
    ['a well-known placeholder', 'your-256-bit-secret-your-256-bit-secret', /well-known placeholder/],
    ['one repeated character', 'x'.repeat(48), /well-known placeholder/],
  ])('a production start with a JWT_SECRET %s stops with a clear message', async (_label, secret, message) => {
    const s = await startServer({ NODE_ENV: 'production', JWT_SECRET: secret }, { waitForHealth: false });
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(message);
    expect(s.output()).not.toContain(secret || '\u0000');
    await s.stop();
  });
});

describe('key rotation', () => {
  it('tokens signed with a JWT_PREVIOUS_SECRETS key stay valid; new ones use the current key only', async () => {
    const before = await startServer();
    const c1 = httpClient(before.url);
    const u = await c1.signup();
    const oldToken = u.token;
    before.child.kill('SIGTERM');
    await before.exited;

    const newSecret = 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0aQ-rotated';
    const after = await startServer({
      DATABASE_URL: `sqlite:${before.dir}/db.sqlite`,
      JWT_SECRET: newSecret,
      JWT_PREVIOUS_SECRETS: before.secret,
    });
    try {
      const c2 = httpClient(after.url);
      expect((await c2.gql('{ me { id } }', undefined, { token: oldToken })).body.data.me.id).toBe(u.id);
      const fresh = (await c2.login(u.email, u.password)).body.data.login.token as string;
      const { jwtVerify } = await import('jose');
      await expect(jwtVerify(fresh, new TextEncoder().encode(newSecret))).resolves.toBeTruthy();
      // Once the previous key is dropped from the list, its tokens are refused.
      const dropped = await startServer({ DATABASE_URL: `sqlite:${before.dir}/db.sqlite`, JWT_SECRET: newSecret });
      try {
        expect((await httpClient(dropped.url).gql('{ me { id } }', undefined, { token: oldToken })).code).toBe('UNAUTHENTICATED');
      } finally {
        await dropped.stop();
      }
    } finally {
      await after.stop();
      await before.stop();
    }
  });
});
