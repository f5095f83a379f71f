import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type SpawnedServer } from '../helpers/server.js';

let server: SpawnedServer;
beforeAll(async () => {
  // Debug logging in production format: the most a log could ever contain.
  server = await startServer({
    LOG_LEVEL: 'debug',
    NODE_ENV: 'production',
    JWT_SECRET: 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0aQ-enum-test-key',
    TRUST_PROXY: '1',
  });
});
afterAll(() => server.stop());

let n = 0;
const fresh = () => {
  n += 1;
  return { 'x-forwarded-for': `203.0.113.${n % 250}` };
};

describe('no account enumeration', () => {
  it('an unknown email and a wrong password give byte-identical answers', async () => {
    const u = await server.signup();
    const wrong = await server.login(u.email, 'not-the-password', fresh());
    const unknown = await server.login(`nobody-${Date.now()}@example.com`, 'not-the-password', fresh());
    expect(wrong.status).toBe(unknown.status);
    expect(wrong.text).toBe(unknown.text);
  });

  it('and take about as long (both spend one argon2 verify)', async () => {
    const u = await server.signup();
    const time = async (email: string) => {
      const t = performance.now();
      await server.login(email, 'not-the-password', fresh());
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      known.push(await time(u.email));
      unknown.push(await time(`nobody-${i}-${Date.now()}@example.com`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Loose on purpose (shared, noisy machine): skipping the hash would make this ~10x or more.
    const ratio = median(known) / median(unknown);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('signup says an address is taken (unavoidable for signup) but login never does', async () => {
    const u = await server.signup();
    const res = await server.login(u.email.toUpperCase(), 'nope-nope-nope', fresh());
    expect(res.body.errors[0].message).toBe('Invalid email or password');
  });
});

describe('no leaks', () => {
  it('responses never carry a hash, SQL, a stack trace or the secret', async () => {
    const u = await server.signup();
    const bodies = [
      (await server.gql('{ me { id email } }', undefined, { token: u.token })).text,
      (await server.gql('{ me { id } }', undefined, { token: 'garbage.garbage.garbage' })).text,
      (await server.gql('{ users { nodes { id name email } } }')).text,
      (await server.gql('mutation { signup(input: { name: "x", email: "bad", password: "short" }) { token } }')).text,
      (await server.gql('{ user(id: "\' OR 1=1 --") { id } }')).text,
      (
        await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":',
        })
      ).text(),
    ].join('\n');
    expect(bodies).not.toMatch(/\$argon2/);
    expect(bodies).not.toMatch(/SELECT|INSERT|SQLITE|QueryFailedError/i);
    expect(bodies).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(bodies).not.toContain(server.secret);
  });

  it('logs are JSON lines and never contain a token, a refresh token or a password', async () => {
    const password = 'Log-Canary-Passw0rd!';
    const u = await server.signup({ password });
    await server.login(u.email, password);
    await server.login(u.email, 'Wrong-Canary-Passw0rd!', fresh());
    await server.gql('{ me { id } }', undefined, { token: u.token });
    await server.gql('{ me { id } }', undefined, { token: `${u.token}x` });
    await server.gql('mutation($rt: String) { refresh(refreshToken: $rt) { token } }', { rt: u.refreshToken });
    await new Promise((r) => setTimeout(r, 200));
    const log = server.output();
    const lines = log.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    for (const secret of [
      password,
      'Wrong-Canary-Passw0rd!',
      u.token,
      u.token.split('.')[2]!,
      u.refreshToken,
      server.secret,
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});
