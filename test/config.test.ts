import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultHashConcurrency } from '../src/settings/hash-concurrency.js';
import { secretWeakness } from '../src/settings/secret-strength.js';
import { ConfigError, loadConfig, settings } from '../src/config.js';
import { envExample, settingsTable, withSettingsTable } from '../src/settings/docs.js';
import { settingsOf } from '../src/settings/load.js';
import { withEnvFile } from '../src/settings/env-file.js';
import { newSecret, ROOT, startServer } from './helpers/server.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gql-auth-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const strong = 'Zq8!xV2#mP9$wL4&tR7*yB3@nH6%kJ5sD1fG0aQ-test-key';
/** Production also needs the key that encrypts TOTP secrets. */
const MFA_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ DATA_DIR: tmp });
    expect(c).toMatchObject({
      env: 'development',
      port: 4000,
      host: undefined,
      database: { type: 'sqlite', path: path.join(tmp, 'app.sqlite') },
      migrateOnStart: true,
      graphiql: true,
      introspection: true,
      logLevel: 'info',
      jwt: {
        expiresIn: 3600,
        issuer: 'graphql-auth-api',
        audience: 'graphql-auth-api',
        clockTolerance: 5,
      },
      password: { hashConcurrency: defaultHashConcurrency(os.availableParallelism(), 4), hashMaxWaitSeconds: 30 },
    });
    expect(loadConfig({}).database).toEqual({ type: 'sqlite', path: path.resolve('data/app.sqlite') });
  });

  it('resolves an unset JWT_SECRET, outside production, to the development secret in DATA_DIR', () => {
    const dir = path.join(tmp, 'dev-secret');
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.jwt.devSecret).toEqual({ file: path.join(dir, 'jwt-secret'), created: true });
    expect(first.jwt.secret!.byteLength).toBeGreaterThanOrEqual(32);
    const again = loadConfig({ DATA_DIR: dir });
    expect(again.jwt.devSecret?.created).toBe(false);
    expect(Buffer.from(again.jwt.secret!).equals(Buffer.from(first.jwt.secret!))).toBe(true);
    // A secret that is set is used as given, and no file is written for it.
    const set = loadConfig({ DATA_DIR: path.join(tmp, 'set'), JWT_SECRET: 'x'.repeat(40) });
    expect(set.jwt.devSecret).toBeUndefined();
    expect(fs.existsSync(path.join(tmp, 'set', 'jwt-secret'))).toBe(false);
  });

  it('uses JWT_SECRET as given, surrounding whitespace included; a blank one is unset', () => {
    const secret = ` ${strong}\t\n`;
    const c = loadConfig({ DATA_DIR: path.join(tmp, 'verbatim'), JWT_SECRET: secret });
    expect(Buffer.from(c.jwt.secret!).equals(Buffer.from(secret, 'utf8'))).toBe(true);
    expect(c.jwt.secretHasSurroundingWhitespace).toBe(true);
    expect(loadConfig({ JWT_SECRET: strong }).jwt.secretHasSurroundingWhitespace).toBeUndefined();
    for (const blank of ['', '   ', '\n']) {
      const dir = path.join(tmp, `blank-${blank.length}`);
      expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: blank }).jwt.devSecret?.file).toBe(path.join(dir, 'jwt-secret'));
    }
    // Other settings are still trimmed.
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
  });

  it('reads PORT, HOST and JWT_EXPIRES_IN', () => {
    const c = loadConfig({ PORT: '8080', HOST: '127.0.0.1', JWT_EXPIRES_IN: '900' });
    expect([c.port, c.host, c.jwt.expiresIn]).toEqual([8080, '127.0.0.1', 900]);
  });

  it('takes the key bytes as the UTF-8 bytes of JWT_SECRET', () => {
    expect(Buffer.from(loadConfig({ JWT_SECRET: 'clé' }).jwt.secret!).toString('hex')).toBe('636cc3a9');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['JWT_EXPIRES_IN', '0'],
    ['JWT_EXPIRES_IN', '1.5'],
    ['MIGRATE_ON_START', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'sqlite:'],
    ['NODE_ENV', 'prod'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['REDIS_URL', 'http://redis'],
  ])('refuses %s=%j with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
  });

  it('parses sqlite: and postgres:// database URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:./x/db.sqlite' }).database).toEqual({
      type: 'sqlite',
      path: path.resolve('x/db.sqlite'),
    });
    expect(loadConfig({ DATABASE_URL: 'sqlite:///tmp/db.sqlite' }).database).toEqual({
      type: 'sqlite',
      path: '/tmp/db.sqlite',
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' }).database).toEqual({
      type: 'postgres',
      url: 'postgres://u:p@h:5432/d',
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://h/d' }).database.type).toBe('postgres');
  });

  it('names every bad setting in one error, not only the first', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', MIGRATE_ON_START: 'maybe', JWT_ISSUER: 'ok' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.setting)).toEqual(['PORT', 'MIGRATE_ON_START', 'LOG_LEVEL']);
    expect((error as ConfigError).message).toBe(
      [
        '3 settings are wrong:',
        '  - PORT must be a whole number from 0 to 65535; got "abc"',
        '  - MIGRATE_ON_START must be true or false; got "maybe"',
        '  - LOG_LEVEL must be debug, info, warn or error; got "loud"',
      ].join('\n'),
    );
  });

  it('never repeats a secret or a URL that may carry a password in its error', () => {
    const e = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(e({ NODE_ENV: 'production', JWT_SECRET: 'hunter2-short' })).not.toContain('hunter2');
    expect(e({ DATABASE_URL: 'mysql://root:hunter2@db/app' })).not.toContain('hunter2');
    expect(e({ REDIS_URL: 'http://:hunter2@redis' })).not.toContain('hunter2');
  });

  it('refuses SameSite=None without Secure, naming the setting to change', () => {
    expect(() => loadConfig({ REFRESH_COOKIE_SAMESITE: 'none', REFRESH_COOKIE_SECURE: 'false' })).toThrowError(
      /REFRESH_COOKIE_SAMESITE is none, which needs REFRESH_COOKIE_SECURE=true/,
    );
  });

  describe('.env', () => {
    it('is read when present; the environment wins over it', () => {
      const file = path.join(tmp, 'test.env');
      fs.writeFileSync(file, '# a comment\nPORT=5000\nJWT_ISSUER="from file"\n');
      const { env } = withEnvFile({ ENV_FILE: file, JWT_ISSUER: 'from env' });
      const c = loadConfig(env);
      expect([c.port, c.jwt.issuer]).toEqual([5000, 'from env']);
    });

    it('is optional', () => {
      const env = { ENV_FILE: path.join(tmp, 'missing.env'), PORT: '1' };
      expect(withEnvFile(env)).toEqual({ env, file: undefined });
    });
  });

  describe('generated docs', () => {
    it('README.md settings table and .env.example match the schema (npm run settings:docs)', () => {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      expect(readme, 'README.md: run npm run settings:docs').toBe(withSettingsTable(readme, settings));
      expect(fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8'), '.env.example: run npm run settings:docs').toBe(
        envExample(settings),
      );
    });

    it('list every setting the schema reads', () => {
      const example = envExample(settings);
      const table = settingsTable(settings);
      const names = settingsOf(settings).map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining(['PORT', 'JWT_SECRET', 'REFRESH_COOKIE_SAMESITE', 'SHUTDOWN_TIMEOUT']),
      );
      for (const name of names) {
        expect(example).toMatch(new RegExp(`^# ${name}=`, 'm'));
        expect(table).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
      }
    });
  });

  describe('in production', () => {
    it('refuses to start without JWT_SECRET', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', MFA_ENCRYPTION_KEY })).toThrowError(
        /JWT_SECRET is required in production/,
      );
      // Not even a development secret: production never writes one.
      expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: path.join(tmp, 'prod') })).toThrow();
      expect(fs.existsSync(path.join(tmp, 'prod'))).toBe(false);
    });

    it('refuses a secret shorter than 32 bytes', () => {
      const secret = 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0a';
      expect(secret).toHaveLength(31);
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret })).toThrowError(
        /31 bytes; production needs at least 32/,
      );
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: `${secret}c`, MFA_ENCRYPTION_KEY })).not.toThrow();
    });

    it('judges secrets by strength: repetition, few distinct characters, words, little randomness', () => {
      for (const s of [
        'changeme-changeme-changeme-changeme',
        'changemechangemechangemechangeme',
        'secretsecretsecretsecretsecretsecret',
        'your-256-bit-secret-your-256-bit-secret',
        ' your-256-bit-secret-for-production',
        'correct horse battery staple and more words',
        'your-256-bit-secret-for-production',
        'a'.repeat(64),
        'abababababababababababababababab',
        'thisismysupersecretjwtkeyforprod',
        '0123456789012345678901234567890123456789',
      ]) {
        expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: s }), JSON.stringify(s)).toThrowError(
          /JWT_SECRET is too weak for production: .*openssl rand -base64 48/,
        );
      }
    });

    it('refuses a secret that starts or ends with whitespace, however strong the rest', () => {
      for (const s of [` ${strong}`, `${strong} `, `${strong}\n`, `\t${strong}`]) {
        expect(
          () => loadConfig({ NODE_ENV: 'production', JWT_SECRET: s, MFA_ENCRYPTION_KEY }),
          JSON.stringify(s),
        ).toThrowError(/JWT_SECRET is too weak for production: it starts or ends with whitespace/);
      }
      // A blank one is no secret at all.
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '  ', MFA_ENCRYPTION_KEY })).toThrowError(
        /JWT_SECRET is required in production/,
      );
    });

    it('accepts 32 random bytes or more, as openssl rand -base64 48 / -hex 32 and crypto.randomBytes make them', () => {
      for (let i = 0; i < 50; i++) {
        for (const s of [
          randomBytes(48).toString('base64'),
          randomBytes(32).toString('base64url'),
          randomBytes(32).toString('hex'),
        ]) {
          expect(secretWeakness(s), s).toBeNull();
        }
      }
    });

    it('accepts a strong secret and turns GraphiQL and introspection off by default', () => {
      const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong, MFA_ENCRYPTION_KEY });
      expect([c.env, c.graphiql, c.introspection]).toEqual(['production', false, false]);
      expect(
        loadConfig({
          NODE_ENV: 'production',
          JWT_SECRET: strong,
          MFA_ENCRYPTION_KEY,
          GRAPHIQL: 'true',
          INTROSPECTION: '1',
        }),
      ).toMatchObject({
        graphiql: true,
        introspection: true,
      });
    });
  });
});

describe('passkey settings (WEBAUTHN_*)', () => {
  const prod = { NODE_ENV: 'production', JWT_SECRET: strong, MFA_ENCRYPTION_KEY };

  it('default to the host of APP_URL (or localhost) and PRODUCT_NAME; origins follow APP_URL and the port', () => {
    expect(loadConfig({ DATA_DIR: tmp }).webauthn).toEqual({
      rpId: 'localhost',
      rpName: 'GraphQL Auth API',
      origins: undefined,
    });
    const c = loadConfig({ DATA_DIR: tmp, APP_URL: 'https://App.Example.com/app', PRODUCT_NAME: 'Acme' });
    expect(c.webauthn).toEqual({ rpId: 'app.example.com', rpName: 'Acme', origins: undefined });
    const set = loadConfig({
      DATA_DIR: tmp,
      WEBAUTHN_RP_ID: 'Example.com',
      WEBAUTHN_ORIGINS: 'https://app.example.com/, https://login.example.com:8443',
      WEBAUTHN_RP_NAME: 'Acme Login',
    });
    expect(set.webauthn).toEqual({
      rpId: 'example.com',
      rpName: 'Acme Login',
      origins: ['https://app.example.com', 'https://login.example.com:8443'],
    });
  });

  it('refuse an RP id that is not a domain, and origins that are not origins, anywhere', () => {
    for (const rpId of ['https://example.com', 'example.com:443', '10.0.0.1', 'exa mple.com'])
      expect(() => loadConfig({ DATA_DIR: tmp, WEBAUTHN_RP_ID: rpId }), rpId).toThrowError(
        /WEBAUTHN_RP_ID must be a domain name/,
      );
    for (const origins of ['example.com', 'https://example.com/login', 'ftp://example.com'])
      expect(() => loadConfig({ DATA_DIR: tmp, WEBAUTHN_ORIGINS: origins }), origins).toThrowError(
        /WEBAUTHN_ORIGINS entries must be origins/,
      );
  });

  it('in production, refuse an RP id that does not fit APP_URL, saying why', () => {
    expect(() =>
      loadConfig({ ...prod, APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'example.org' }),
    ).toThrowError(/WEBAUTHN_RP_ID is "example.org", which does not fit APP_URL's host "app.example.com"/);
    // A suffix of the host is right (passkeys then serve every subdomain), and the host itself.
    for (const rpId of ['example.com', 'app.example.com'])
      expect(loadConfig({ ...prod, APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: rpId }).webauthn.rpId).toBe(
        rpId,
      );
    // Not a suffix by label: "ample.com" is not a parent of "app.example.com".
    expect(() => loadConfig({ ...prod, APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'ample.com' })).toThrow(
      /does not fit/,
    );
    expect(() => loadConfig({ ...prod, APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'com' })).toThrowError(
      /WEBAUTHN_RP_ID gives the passkey RP id "com", a top-level domain/,
    );
    expect(() => loadConfig({ ...prod, APP_URL: 'https://10.1.2.3' })).toThrowError(
      /APP_URL gives the passkey RP id "10.1.2.3", which is not a domain name/,
    );
    // Outside production the same settings load (a ceremony would fail, nothing worse).
    expect(() =>
      loadConfig({ DATA_DIR: tmp, APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'example.org' }),
    ).not.toThrow();
  });

  it('in production, refuse an origin whose host does not fit the RP id, or that is plain http', () => {
    const base = { ...prod, APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'example.com' };
    expect(() =>
      loadConfig({ ...base, WEBAUTHN_ORIGINS: 'https://app.example.com,https://evil.example' }),
    ).toThrowError(/WEBAUTHN_ORIGINS holds https:\/\/evil.example, whose host does not fit the RP id "example.com"/);
    expect(() => loadConfig({ ...base, WEBAUTHN_ORIGINS: 'http://app.example.com' })).toThrowError(
      /browsers offer passkeys only on https pages/,
    );
    expect(
      loadConfig({ ...base, WEBAUTHN_ORIGINS: 'https://app.example.com,https://login.example.com' }).webauthn.origins,
    ).toEqual(['https://app.example.com', 'https://login.example.com']);
  });
});

describe('a server started with bad settings', () => {
  it('exits 1 naming all three of them', async () => {
    await expect(startServer({ PORT: 'eighty', LOG_LEVEL: 'loud', JWT_SECRET: 'short' })).rejects.toThrow(
      /exited \(1\)[\s\S]*3 settings are wrong:\n {2}- PORT must[^\n]*\n {2}- JWT_SECRET is 5 bytes[^\n]*\n {2}- LOG_LEVEL must/,
    );
  });
});

describe('a server started with a JWT_SECRET that has surrounding whitespace', () => {
  it('refuses to start in production', async () => {
    await expect(startServer({ JWT_SECRET: ` ${newSecret()} ` })).rejects.toThrow(
      /exited \(1\)[\s\S]*JWT_SECRET is too weak for production: it starts or ends with whitespace/,
    );
  });

  it('outside production, signs with its exact bytes and warns at start', async () => {
    const server = await startServer({ NODE_ENV: 'development', JWT_SECRET: ` ${newSecret()}\n` });
    try {
      await server.waitForLine((l) => l.includes('JWT_SECRET starts or ends with whitespace'));
      const { token } = await server.signup();
      const exact = new TextEncoder().encode(server.secret);
      expect((await jwtVerify(token, exact)).payload.sub).toBeTypeOf('string');
      await expect(jwtVerify(token, new TextEncoder().encode(server.secret.trim()))).rejects.toThrow(/signature/);
    } finally {
      await server.stop();
    }
  });
});
