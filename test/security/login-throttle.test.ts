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

  it('checks no more than the limit of attempts sent at once (each counts before its hash)', async () => {
    const victim = await server.signup();
    const attacker = address();
    // The right password among them: it must not get a 21st... or even a 6th check.
    const guesses = Array.from({ length: 20 }, (_, i) => (i === 15 ? victim.password : `guess-${i}-xx`));
    const codes = (await Promise.all(guesses.map((p) => server.login(victim.email, p, from(attacker))))).map(
      (r) => r.code ?? 'TOKEN',
    );
    const checked = codes.filter((c) => c !== 'RATE_LIMITED');
    expect(checked).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(15);
    // Whether the right one was among the five checked depends on arrival; afterwards nothing is.
    expect((await server.login(victim.email, victim.password, from(attacker))).code).toBe(
      checked.includes('TOKEN') ? 'UNAUTHENTICATED' : 'RATE_LIMITED',
    );
  });

  it('checks no more than the per-address limit of attempts at many accounts sent at once', async () => {
    const attacker = address();
    const codes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => server.login(`burst-${i}-${n}@example.com`, 'password1', from(attacker))),
    );
    expect(codes.filter((r) => r.code === 'UNAUTHENTICATED')).toHaveLength(12);
    expect(codes.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(18);
  });

  it('checks no more than the limit of current passwords sent at once (reauthenticate)', async () => {
    const u = await server.signup();
    const ip = address();
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.gql(
          'mutation($p: String!) { reauthenticate(password: $p) { token } }',
          { p: `wrong-${i}-xxxx` },
          {
            token: u.token,
            headers: from(ip),
          },
        ),
      ),
    );
    expect(codes.filter((r) => r.code === 'BAD_USER_INPUT')).toHaveLength(5);
    expect(codes.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(15);
  });

  it('does not count successful sign-ins or right current passwords toward any limit', async () => {
    const u = await server.signup();
    const ip = address();
    // More than every limit (5 per pair, 12 per address, 8 per account), all right.
    for (let i = 0; i < 14; i += 1) {
      const r = await server.login(u.email, u.password, from(ip));
      expect(r.body.errors, JSON.stringify(r.body)).toBeUndefined();
    }
    for (let i = 0; i < 6; i += 1) {
      const r = await server.gql(
        'mutation($p: String!) { reauthenticate(password: $p) { token } }',
        { p: u.password },
        {
          token: u.token,
          headers: from(ip),
        },
      );
      expect(r.body.errors, JSON.stringify(r.body)).toBeUndefined();
    }
    expect((await server.login(u.email, 'wrong-password-x', from(ip))).code).toBe('UNAUTHENTICATED');
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
  /** Two instances on one database and one Redis key prefix of their own. */
  const twoInstances = async () => {
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
    return [one, two] as const;
  };

  it('counts failures made on either instance', async () => {
    const [one, two] = await twoInstances();
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

  it('checks no more than the limit of attempts sent at once to both instances', async () => {
    const [one, two] = await twoInstances();
    try {
      const victim = await one.signup();
      const codes = await Promise.all(
        Array.from({ length: 16 }, (_, i) => (i % 2 ? one : two).login(victim.email, `guess-${i}-xx`)),
      );
      expect(codes.filter((r) => r.code === 'UNAUTHENTICATED')).toHaveLength(4);
      expect(codes.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(12);
    } finally {
      await two.stop();
      await one.stop();
    }
  });
});
if (!process.env.REDIS_URL) console.log('REDIS_URL is not set: the shared-throttle test is skipped');
