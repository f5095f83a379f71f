import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, mailTransport } from '../src/config.js';
import { uniqueEmail } from './helpers/app.js';
import { REQUEST_RESET, RESET, SIGNUP_WITH_REFRESH } from './helpers/mail-ops.js';
import { type SpawnedServer, newSecret, startServer } from './helpers/server.js';
import { startSmtp, tokenIn, type TestSmtp } from './helpers/smtp.js';

// Mail as an operator meets it: settings, what a production server says at start, what it logs.

describe('mail settings', () => {
  // A JWT_SECRET in every case: without one, development would keep a generated one in DATA_DIR.
  const dev = { JWT_SECRET: newSecret() };
  const prod = {
    NODE_ENV: 'production',
    JWT_SECRET: newSecret(),
    MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  };

  it('picks the transport: SMTP_URL, else files outside production, else disabled', () => {
    expect(mailTransport(loadConfig({ ...dev, SMTP_URL: 'smtp://mail:2525' }))).toBe('smtp');
    expect(mailTransport(loadConfig(dev))).toBe('file');
    expect(mailTransport(loadConfig(prod))).toBe('disabled');
    expect(loadConfig(dev).mail).toMatchObject({
      passwordResetTtl: 1800,
      emailVerificationTtl: 86_400,
      appUrl: undefined,
    });
  });

  it('refuses bad values with the setting named', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ SMTP_URL: 'http://mail' }, /SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
      [{ SMTP_URL: 'not a url' }, /SMTP_URL is not a valid URL/],
      [{ APP_URL: 'app.example.com' }, /APP_URL/],
      [{ APP_URL: 'https://app.example.com/?x=1' }, /APP_URL must not carry a query/],
      [{ PASSWORD_RESET_TTL: '5' }, /PASSWORD_RESET_TTL/],
      [{ EMAIL_VERIFICATION_TTL: 'soon' }, /EMAIL_VERIFICATION_TTL/],
      [{ ...prod, EMAIL_VERIFICATION_REQUIRED: 'true' }, /EMAIL_VERIFICATION_REQUIRED is true, which needs SMTP_URL/],
      [{ ...prod, SMTP_URL: 'smtp://mail:25' }, /MAIL_FROM is required in production/],
    ];
    for (const [env, message] of bad)
      expect(() => loadConfig({ ...dev, ...env }), JSON.stringify(env)).toThrowError(message);
    expect(() => loadConfig({ ...dev, SMTP_URL: 'ftp://x' })).toThrowError(ConfigError);
    expect(loadConfig({ ...dev, APP_URL: 'https://app.example.com/' }).mail.appUrl).toBe('https://app.example.com');
  });
});

describe('a production server without SMTP_URL', () => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('says at start, loudly, that mail is disabled, and answers MAIL_DISABLED where mail is needed', async () => {
    const warning = server.logs().find((l) => String(l.msg).startsWith('MAIL DISABLED'));
    expect(warning?.level).toBe('warn');
    const email = uniqueEmail('prod');
    const signup = await server.gql(SIGNUP_WITH_REFRESH, {
      input: { name: 'P', email, password: 'correct horse battery' },
    });
    expect(signup.body.errors).toBeUndefined();
    // The same answer for any address, so it tells nothing about accounts.
    for (const e of [email, uniqueEmail('none')]) {
      const res = await server.gql(REQUEST_RESET, { email: e });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('MAIL_DISABLED');
    }
  });
});

describe('a production server with SMTP_URL', () => {
  let smtp: TestSmtp;
  let server: SpawnedServer;
  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer({ SMTP_URL: smtp.url, MAIL_FROM: 'Ops <ops@example.com>', LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  it('sends real mail and never writes a link or a token to its log', async () => {
    expect(server.logs().some((l) => String(l.msg).startsWith('mail: SMTP via smtp://127.0.0.1:'))).toBe(true);
    const email = uniqueEmail('prod');
    await server.gql(SIGNUP_WITH_REFRESH, { input: { name: 'P', email, password: 'correct horse battery' } });
    const verify = tokenIn(
      await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Confirm')),
      '/verify-email',
    );
    expect((await server.gql(REQUEST_RESET, { email })).body.data).toEqual({ requestPasswordReset: true });
    const mail = await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Reset'));
    const reset = tokenIn(mail, '/reset-password');
    // Links point at the server itself (no APP_URL), built from where it listens, not from the Host header.
    expect(mail.text).toContain(`${server.url}/reset-password?token=`);
    const res = await server.gql(RESET, { token: reset, pw: 'a brand new password' });
    expect(res.body.errors).toBeUndefined();
    await smtp.waitFor((m) => m.to === email && m.subject.includes('password was changed'));
    const out = server.output();
    for (const secret of [verify, reset]) expect(out).not.toContain(secret);
    expect(out).not.toMatch(/reset-password\?|verify-email\?/);
    expect(server.logs().some((l) => l.msg === 'mail sent' && l.kind === 'PASSWORD_RESET')).toBe(true);
  });

  it('ignores a forged Host header when building links', async () => {
    const email = uniqueEmail('host');
    await server.gql(SIGNUP_WITH_REFRESH, { input: { name: 'H', email, password: 'correct horse battery' } });
    await server.gql(
      REQUEST_RESET,
      { email },
      { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } },
    );
    const mail = await smtp.waitFor((m) => m.to === email && m.subject.startsWith('Reset'));
    expect(mail.text).not.toContain('evil.example');
    expect(mail.text).toContain(`${server.url}/reset-password?token=`);
  });
});
