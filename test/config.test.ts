import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHashConcurrency } from '../src/auth/hash-queue.js';
import { secretWeakness } from '../src/auth/secret-strength.js';
import { ConfigError, loadConfig } from '../src/config.js';

const strong = 'Zq8!xV2#mP9$wL4&tR7*yB3@nH6%kJ5sD1fG0aQ-test-key';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      env: 'development',
      port: 4000,
      host: undefined,
      database: { type: 'sqlite', path: path.resolve('data/app.sqlite') },
      migrateOnStart: true,
      graphiql: true,
      introspection: true,
      logLevel: 'info',
      jwt: {
        secret: undefined,
        expiresIn: 3600,
        issuer: 'graphql-auth-api',
        audience: 'graphql-auth-api',
        clockTolerance: 5,
      },
      password: { hashConcurrency: defaultHashConcurrency(os.availableParallelism(), 4), hashMaxWaitSeconds: 30 },
    });
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

  describe('in production', () => {
    it('refuses to start without JWT_SECRET', () => {
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(/JWT_SECRET is required in production/);
    });

    it('refuses a secret shorter than 32 bytes', () => {
      const secret = 'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0a';
      expect(secret).toHaveLength(31);
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret })).toThrowError(
        /31 bytes; production needs at least 32/,
      );
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: `${secret}c` })).not.toThrow();
    });

    it('judges secrets by strength: repetition, few distinct characters, little randomness, whitespace', () => {
      for (const s of [
        'changeme-changeme-changeme-changeme',
        'changemechangemechangemechangeme',
        'secretsecretsecretsecretsecretsecret',
        'your-256-bit-secret-your-256-bit-secret',
        ' your-256-bit-secret-for-production',
        ' Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0aQ',
        'Zq8xV2mP9wL4tR7yB3nH6kJ5sD1fG0aQ\n',
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

    it('accepts what openssl and crypto.randomBytes make', () => {
      for (let i = 0; i < 50; i++) {
        for (const s of [
          randomBytes(48).toString('base64'),
          randomBytes(32).toString('base64url'),
          randomBytes(32).toString('hex'),
          randomBytes(24).toString('base64'),
        ]) {
          expect(secretWeakness(s), s).toBeNull();
        }
      }
    });

    it('accepts a strong secret and turns GraphiQL and introspection off by default', () => {
      const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong });
      expect([c.env, c.graphiql, c.introspection]).toEqual(['production', false, false]);
      expect(
        loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong, GRAPHIQL: 'true', INTROSPECTION: '1' }),
      ).toMatchObject({
        graphiql: true,
        introspection: true,
      });
    });
  });
});
