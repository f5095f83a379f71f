import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const strong = `${'k'.repeat(10)}Zq8!xV2#mP9$wL4&tR7*yB3@nH6%`;
/** Production also needs the key that encrypts TOTP secrets. */
const MFA_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

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
      password: { hashConcurrency: 2, hashQueueLimit: 64 },
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
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: `${secret}c`, MFA_ENCRYPTION_KEY })).not.toThrow();
    });

    it('refuses well-known placeholders, however long', () => {
      for (const s of [
        'changeme-changeme-changeme-changeme',
        'your-256-bit-secret-your-256-bit-secret',
        'a'.repeat(64),
      ]) {
        expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: s }), s).toThrowError(/placeholder/);
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
