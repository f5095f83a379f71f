import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// One trusted proxy, so each test can speak from the address it names in X-Forwarded-For.
let server: SpawnedServer;
beforeAll(async () => {
  server = await startServer({
    TRUST_PROXY: '1',
    LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '5',
    LOGIN_MAX_FAILS_PER_ADDRESS: '12',
    LOGIN_MAX_FAILS_PER_ACCOUNT: '8',
    LOGIN_THROTTLE_WINDOW: '600',
  });
});
afterAll(() => server.stop());

let n = 0;
const address = () => {
  n += 1;
  return `198.51.100.${n}`;
};
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('login throttling', () => {
  it('stops one address guessing one account with RATE_LIMITED and the seconds to wait', async () => {
    const victim = await server.signup();
    const attacker = address();
    for (let i = 0; i < 5; i += 1)
      expect((await server.login(victim.email, `guess-${i}-xx`, from(attacker))).code).toBe('UNAUTHENTICATED');
    const limited = await server.login(victim.email, victim.password, from(attacker));
    expect(limited.body.errors[0]).toMatchObject({
      message: 'Too many attempts, try again later',
      extensions: { code: 'RATE_LIMITED' },
    });
    expect(limited.body.errors[0].extensions.retryAfter).toBeGreaterThan(500);
    expect(limited.body.errors[0].extensions.retryAfter).toBeLessThanOrEqual(600);
  });

  it('does not lock the owner out: the victim still logs in from their own address', async () => {
    const victim = await server.signup();
    const attacker = address();
    for (let i = 0; i < 6; i += 1) await server.login(victim.email, `guess-${i}-xx`, from(attacker));
    expect((await server.login(victim.email, victim.password, from(address()))).body.data.login.token).toEqual(
      expect.any(String),
    );
  });

  it('leaves other accounts alone', async () => {
    const victim = await server.signup();
    const bystander = await server.signup();
    const attacker = address();
    for (let i = 0; i < 6; i += 1) await server.login(victim.email, `guess-${i}-xx`, from(attacker));
    expect((await server.login(bystander.email, bystander.password, from(address()))).body.data.login).toBeTruthy();
  });

  it('stops one address trying many accounts (credential stuffing)', async () => {
    const attacker = address();
    for (let i = 0; i < 12; i += 1) await server.login(`nobody-${i}-${n}@example.com`, 'password1', from(attacker));
    const someone = await server.signup();
    expect((await server.login(someone.email, someone.password, from(attacker))).code).toBe('RATE_LIMITED');
  });

  it('stops many addresses guessing one account, but not addresses that signed in to it before', async () => {
    const victim = await server.signup();
    const home = address();
    expect((await server.login(victim.email, victim.password, from(home))).body.data.login).toBeTruthy();
    for (let i = 0; i < 8; i += 1) await server.login(victim.email, `guess-${i}-xx`, from(address()));
    expect((await server.login(victim.email, victim.password, from(address()))).code).toBe('RATE_LIMITED');
    const again = await server.login(victim.email, victim.password, from(home));
    expect(again.body.errors, JSON.stringify(again.body)).toBeUndefined();
  });

  it('counts a wrong current password in changePassword like a failed login', async () => {
    const u = await server.signup();
    const ip = address();
    const change = (current: string) =>
      server.gql(
        'mutation($c: String!) { changePassword(currentPassword: $c, newPassword: "brand new password") { token } }',
        { c: current },
        { token: u.token, headers: from(ip) },
      );
    for (let i = 0; i < 5; i += 1) expect((await change(`wrong-${i}-xxxx`)).code).toBe('BAD_USER_INPUT');
    expect((await change(u.password)).code).toBe('RATE_LIMITED');
  });
});

describe('without a trusted proxy', () => {
  it('ignores X-Forwarded-For, so an attacker cannot dodge the limit by rotating it', async () => {
    const direct = await startServer({ LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '3' });
    try {
      const c = direct;
      const victim = await c.signup();
      for (let i = 0; i < 3; i += 1) await c.login(victim.email, `guess-${i}-xx`, from(address()));
      expect((await c.login(victim.email, `guess-x-xx`, from(address()))).code).toBe('RATE_LIMITED');
    } finally {
      await direct.stop();
    }
  });
});

describe.skipIf(!process.env.REDIS_URL)('with REDIS_URL (two instances share the counts)', () => {
  it('counts failures made on either instance', async () => {
    const prefix = {
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `test-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '4',
    };
    const one = await startServer(prefix);
    const two = await startServer({
      ...prefix,
      DATABASE_URL: `sqlite:${one.dataDir}/app.sqlite`,
      JWT_SECRET: one.secret,
    });
    try {
      const [c1, c2] = [one, two];
      const victim = await c1.signup();
      await c1.login(victim.email, 'guess-1-xx');
      await c2.login(victim.email, 'guess-2-xx');
      await c1.login(victim.email, 'guess-3-xx');
      await c2.login(victim.email, 'guess-4-xx');
      expect((await c1.login(victim.email, victim.password)).code).toBe('RATE_LIMITED');
      expect((await c2.login(victim.email, victim.password)).code).toBe('RATE_LIMITED');
    } finally {
      await two.stop();
      await one.stop();
    }
  });
});
if (!process.env.REDIS_URL) console.log('REDIS_URL is not set: the shared-throttle test is skipped');
