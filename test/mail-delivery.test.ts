import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHousekeeping } from '../src/db/housekeeping.js';
import { createLogger } from '../src/logger.js';
import { createTestApp, uniqueEmail } from './helpers/app.js';
import { startHttpApp, type HttpTestApp } from './helpers/http.js';
import {
  CHANGE_EMAIL,
  expireTokens,
  ME_VERIFIED,
  post,
  REQUEST_RESET,
  RESEND,
  SIGNUP_WITH_REFRESH,
} from './helpers/mail-ops.js';
import { startSmtp, type TestSmtp } from './helpers/smtp.js';

// What happens when mail cannot go out, and where it goes when there is no mail server.
const PASSWORD = 'correct horse battery';

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', json: true, write: (l) => lines.push(l) }) };
}

async function signup(endpoint: string) {
  const email = uniqueEmail('mail');
  const res = await post(endpoint, SIGNUP_WITH_REFRESH, { input: { name: 'Mo', email, password: PASSWORD } });
  expect(res.errors).toBeUndefined();
  return { email, token: res.data!.signup.token as string, id: res.data!.signup.user.id as string };
}

const tokensOf = (s: HttpTestApp, id: string) =>
  s.app.query('SELECT purpose FROM account_tokens WHERE user_id = ?', [id]);

describe('an SMTP server that refuses every mail', () => {
  let smtp: TestSmtp;
  let server: HttpTestApp;
  const log = capture();
  beforeAll(async () => {
    smtp = await startSmtp('refuse');
    server = await startHttpApp({ env: { SMTP_URL: smtp.url }, logger: log.logger });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('signup still succeeds; the failed verification mail is logged with a reason and leaves no token', async () => {
    const account = await signup(server.endpoint);
    await server.app.services.background.idle();
    expect(smtp.connections()).toBeGreaterThan(0);
    expect(await tokensOf(server, account.id)).toEqual([]);
    const line = log.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'mail not sent' && l.userId === account.id);
    expect(line).toMatchObject({ kind: 'VERIFY_EMAIL', failure: 'FAILED' });
    expect(line.reason).toContain('550');
  });

  it('resendVerificationEmail and requestEmailChange answer MAIL_FAILED and change nothing', async () => {
    const account = await signup(server.endpoint);
    await server.app.services.background.idle();
    const resend = await post(server.endpoint, RESEND, {}, account.token);
    expect(resend.errors?.[0]?.extensions).toEqual({ code: 'MAIL_FAILED', reason: 'REFUSED' });
    const change = await post(server.endpoint, CHANGE_EMAIL, { email: uniqueEmail('n'), pw: PASSWORD }, account.token);
    expect(change.errors?.[0]?.extensions).toEqual({ code: 'MAIL_FAILED', reason: 'REFUSED' });
    expect(await tokensOf(server, account.id)).toEqual([]);
    expect((await post(server.endpoint, ME_VERIFIED, {}, account.token)).data?.me.email).toBe(account.email);
  });

  it('requestPasswordReset still answers true (the user does not wait for the mail); no token stays', async () => {
    const account = await signup(server.endpoint);
    expect((await post(server.endpoint, REQUEST_RESET, { email: account.email })).data).toEqual({
      requestPasswordReset: true,
    });
    await server.app.services.background.idle();
    expect(await tokensOf(server, account.id)).toEqual([]);
    // No token or link in any log line.
    expect(log.lines.join('\n')).not.toMatch(/token=|reset-password\?/);
  });
});

describe('an SMTP server that never answers', () => {
  let smtp: TestSmtp;
  let server: HttpTestApp;
  beforeAll(async () => {
    smtp = await startSmtp('silent');
    server = await startHttpApp({ env: { SMTP_URL: smtp.url, MAIL_TIMEOUT: '1' } });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('holds a waiting request no longer than MAIL_TIMEOUT, then answers MAIL_FAILED (TIMEOUT)', async () => {
    const account = await signup(server.endpoint);
    const t0 = performance.now();
    const res = await post(server.endpoint, RESEND, {}, account.token);
    const elapsed = performance.now() - t0;
    expect(res.errors?.[0]?.extensions?.code).toBe('MAIL_FAILED');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
    await server.app.services.background.idle();
    expect(await tokensOf(server, account.id)).toEqual([]);
  });

  it('does not hold requestPasswordReset at all', async () => {
    const account = await signup(server.endpoint);
    const t0 = performance.now();
    const res = await post(server.endpoint, REQUEST_RESET, { email: account.email });
    expect(res.data).toEqual({ requestPasswordReset: true });
    expect(performance.now() - t0).toBeLessThan(500);
    await server.app.services.background.idle();
    expect(await tokensOf(server, account.id)).toEqual([]);
  });
});

describe('no SMTP_URL outside production: mail goes to DATA_DIR/mail', () => {
  it('writes each mail as an .eml file with text and HTML parts, and logs recipient, subject and link', async () => {
    const log = capture();
    const app = await createTestApp({}, { logger: log.logger });
    try {
      expect(app.services.mailer.transport).toBe('file');
      const account = await app.signup();
      await app.services.background.idle();
      const dir = path.join(app.dir, 'mail');
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'));
      expect(files).toHaveLength(1);
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, files[0]!)));
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe(account.email);
      expect(parsed.subject).toBe('Confirm your e-mail address for GraphQL Auth API');
      const link = /http:\/\/localhost:4000\/verify-email\?token=[A-Za-z0-9_-]{43}/.exec(parsed.text ?? '')?.[0];
      expect(link).toBeDefined();
      expect(parsed.html).toContain(link);
      const line = log.lines.map((l) => JSON.parse(l)).find((l) => String(l.msg).startsWith('mail written'));
      expect(line).toMatchObject({ to: account.email, subject: parsed.subject, link });
      expect(fs.statSync(path.join(dir, files[0]!)).mode & 0o077).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('APP_URL points the links at a frontend instead', async () => {
    const app = await createTestApp({ APP_URL: 'https://app.example.com/accounts/' });
    try {
      await app.signup();
      await app.services.background.idle();
      const dir = path.join(app.dir, 'mail');
      const { text } = await simpleParser(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]!)));
      expect(text).toMatch(/https:\/\/app\.example\.com\/accounts\/verify-email\?token=[A-Za-z0-9_-]{43}/);
    } finally {
      await app.close();
    }
  });
});

describe('housekeeping', () => {
  it('deletes expired link tokens when it starts (and then hourly), keeping live ones', async () => {
    const app = await createTestApp();
    try {
      const expired = await app.signup();
      await app.services.background.idle();
      await expireTokens({ app }, expired.id);
      const live = await app.signup();
      await app.services.background.idle();
      const stop = startHousekeeping(app.services);
      try {
        await expect
          .poll(() => app.query('SELECT user_id FROM account_tokens WHERE user_id = ?', [expired.id]))
          .toEqual([]);
        expect(await app.query('SELECT user_id FROM account_tokens WHERE user_id = ?', [live.id])).toHaveLength(1);
      } finally {
        stop();
      }
    } finally {
      await app.close();
    }
  });
});
