import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { uniqueEmail } from './helpers/app.js';
import { startHttpApp, type HttpTestApp } from './helpers/http.js';
import { post, REQUEST_RESET, SIGNUP_WITH_REFRESH } from './helpers/mail-ops.js';
import { startServer } from './helpers/server.js';
import { startSmtp, type TestSmtp } from './helpers/smtp.js';

// Signups per client address (and their mail, bounded by that limit rather than the mail limits):
// a real HTTP server, behind one (imaginary) proxy so each test can be its own client.
const PASSWORD = 'a good signup password';
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp?.close());

let clients = 0;
/** A client address of its own (through TRUST_PROXY=1's X-Forwarded-For). */
const newClient = () => `198.51.100.${++clients}`;

function signupFrom(server: HttpTestApp, client: string, email = uniqueEmail('limit')) {
  return post(
    server.endpoint,
    SIGNUP_WITH_REFRESH,
    { input: { name: 'Limit', email, password: PASSWORD } },
    undefined,
    {
      'x-forwarded-for': client,
    },
  );
}

/** Mails to `email` once the server's background work is done. */
async function mailsTo(server: HttpTestApp, email: string) {
  await server.app.services.background.idle();
  return smtp.mails.filter((m) => m.to === email);
}

it('the defaults are 30 sign-ups per client address per hour in production, 1000 otherwise', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signup-defaults-'));
  try {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, ENV_FILE: '/dev/null' });
    expect(config.signupThrottle).toEqual({ windowSeconds: 3600, perAddress: 1000 });
    const production = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dir,
      ENV_FILE: '/dev/null',
      JWT_SECRET: 'k'.repeat(8) + randomBytes(32).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expect(production.signupThrottle).toEqual({ windowSeconds: 3600, perAddress: 30 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('SIGNUP_MAX_PER_ADDRESS', () => {
  let server: HttpTestApp;
  beforeAll(async () => {
    server = await startHttpApp({ env: { SMTP_URL: smtp.url, TRUST_PROXY: '1', SIGNUP_MAX_PER_ADDRESS: '3' } });
  });
  afterAll(() => server?.close());

  it('counts every well-formed signup, taken addresses too, then answers RATE_LIMITED with retryAfter and makes nothing', async () => {
    const client = newClient();
    const first = uniqueEmail('limit');
    expect((await signupFrom(server, client, first)).errors).toBeUndefined();
    expect((await signupFrom(server, client)).errors).toBeUndefined();
    // Asking whether an address is taken costs a signup too.
    expect((await signupFrom(server, client, first)).code).toBe('BAD_USER_INPUT');

    const late = uniqueEmail('late');
    const refused = await signupFrom(server, client, late);
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.message).toMatch(/Too many sign-ups/);
    const retryAfter = refused.errors?.[0]?.extensions?.retryAfter;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await server.app.services.users.findByEmail(late)).toBeNull();
    expect(await mailsTo(server, late)).toEqual([]);

    // Input refused for what it is still says so, without counting (nothing was attempted).
    const bad = await post(
      server.endpoint,
      SIGNUP_WITH_REFRESH,
      { input: { name: 'Limit', email: 'not an address', password: PASSWORD } },
      undefined,
      { 'x-forwarded-for': client },
    );
    expect(bad.code).toBe('BAD_USER_INPUT');

    // Another client is not held up by this one.
    expect((await signupFrom(server, newClient())).errors).toBeUndefined();
  });

  it('the probe: 35 signups in a row from one client make 30 accounts with the production default, and mail 30 times', async () => {
    const defaults = await startHttpApp({
      // The production default (test apps raise it, see test/helpers/app.ts).
      env: { SMTP_URL: smtp.url, TRUST_PROXY: '1', SIGNUP_MAX_PER_ADDRESS: '30' },
    });
    try {
      const client = newClient();
      const emails = Array.from({ length: 35 }, () => uniqueEmail('probe'));
      const codes: Array<string | null> = [];
      for (const email of emails) codes.push((await signupFrom(defaults, client, email)).code);
      expect(codes.filter((c) => c === null)).toHaveLength(30);
      expect(codes.slice(30)).toEqual(Array(5).fill('RATE_LIMITED'));
      await defaults.app.services.background.idle();
      expect(smtp.mails.filter((m) => emails.includes(m.to))).toHaveLength(30);
    } finally {
      await defaults.close();
    }
  });
});

describe('MAIL_MAX_PER_ADDRESS and signup', () => {
  let server: HttpTestApp;
  beforeAll(async () => {
    server = await startHttpApp({ env: { SMTP_URL: smtp.url, TRUST_PROXY: '1', MAIL_MAX_PER_ADDRESS: '3' } });
  });
  afterAll(() => server?.close());

  it('does not count signup: its one mail per new account is bounded by the signup limit, and resets keep their own count', async () => {
    const client = newClient();
    const made = Array.from({ length: 5 }, () => uniqueEmail('mailed'));
    for (const email of made) expect((await signupFrom(server, client, email)).errors).toBeUndefined();
    for (const email of made) expect(await mailsTo(server, email)).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const reset = await post(server.endpoint, REQUEST_RESET, { email: made[i] }, undefined, {
        'x-forwarded-for': client,
      });
      expect(reset.data).toEqual({ requestPasswordReset: true });
    }
    const fourth = await post(server.endpoint, REQUEST_RESET, { email: made[3] }, undefined, {
      'x-forwarded-for': client,
    });
    expect(fourth.code).toBe('RATE_LIMITED');
  });
});

describe.skipIf(!process.env.REDIS_URL)('with REDIS_URL (two instances share the signup count)', () => {
  it('counts signups made on either instance', async () => {
    const shared = {
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `test-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      SIGNUP_MAX_PER_ADDRESS: '2',
    };
    const one = await startServer(shared);
    const two = await startServer({
      ...shared,
      DATABASE_URL: `sqlite:${one.dataDir}/app.sqlite`,
      JWT_SECRET: one.secret,
    });
    try {
      await one.signup();
      await two.signup();
      for (const s of [one, two]) {
        const res = await s.gql(SIGNUP_WITH_REFRESH, {
          input: { name: 'Shared', email: uniqueEmail('shared'), password: PASSWORD },
        });
        expect(res.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      }
    } finally {
      await two.stop();
      await one.stop();
    }
  });
});
if (!process.env.REDIS_URL) console.log('REDIS_URL is not set: the shared signup-throttle test is skipped');
