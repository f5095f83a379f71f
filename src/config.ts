import path from 'node:path';

/**
 * Every option the server reads, its default and its validation, in one place.
 * `loadConfig` is pure (env in, config out) so tests can build any configuration;
 * `src/main.ts` is the only caller that hands it `process.env`.
 */

export type NodeEnv = 'development' | 'production' | 'test';

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export interface JwtConfig {
  /**
   * HMAC key bytes (UTF-8 of JWT_SECRET). `undefined` only outside production, where
   * `src/auth/dev-secret.ts` generates one and keeps it in the data folder.
   */
  secret: Uint8Array | undefined;
  /** Verification-only keys from before a rotation (JWT_PREVIOUS_SECRETS). */
  previousSecrets: Uint8Array[];
  /** @default 3600 */
  expiresIn: number;
  /** @default 'graphql-auth-api' */
  issuer: string;
  /** @default 'graphql-auth-api' */
  audience: string;
  /** Seconds of tolerated clock difference for exp/nbf/iat. @default 5 */
  clockTolerance: number;
}

export interface RefreshConfig {
  /** Refresh-token lifetime in seconds; each rotation starts a new one. @default 2592000 (30 days) */
  ttl: number;
  /**
   * 'body': `refreshToken` is returned in AuthPayload and passed back as an argument (apps, SPAs
   * that manage storage themselves). 'cookie': it travels only in an HttpOnly cookie, and
   * `refreshToken` is null (browser frontends: scripts never see it). @default 'body'
   */
  transport: 'body' | 'cookie';
  cookie: {
    /** @default 'refresh_token' */
    name: string;
    /** @default true (browsers accept Secure cookies from http://localhost too) */
    secure: boolean;
    /** @default 'strict' */
    sameSite: 'strict' | 'lax' | 'none';
    /** Sent only to the GraphQL endpoint. @default '/graphql' */
    path: string;
  };
}

export interface Config {
  env: NodeEnv;
  /** @default 4000 */
  port: number;
  /** @default undefined (all interfaces, as Node does) */
  host: string | undefined;
  /** @default sqlite file `./data/app.sqlite` */
  database: DatabaseConfig;
  /** Folder for the default SQLite file and the generated development secret. @default ./data */
  dataDir: string;
  /** Apply pending migrations at start. @default true */
  migrateOnStart: boolean;
  jwt: JwtConfig;
  refresh: RefreshConfig;
  /**
   * Origins allowed by CORS (CORS_ORIGINS, comma-separated). '*' reflects any origin.
   * @default '*' in development and test, none in production
   */
  corsOrigins: string[] | '*';
  /**
   * How many proxies in front of the server may be trusted to append to X-Forwarded-For.
   * 0: the client address is the socket's, and X-Forwarded-For is ignored (it is client-forgeable).
   * @default 0
   */
  trustProxy: number;
  /** Redis for login throttling shared by several instances; in-memory when unset. @default undefined */
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments can share one Redis. @default 'gqlauth' */
  redisKeyPrefix: string;
  throttle: {
    /** Failed logins counted per window. @default 900 (15 minutes) */
    windowSeconds: number;
    /** Failures for one account from one address before that pair waits out the window. @default 10 */
    perAccountAndAddress: number;
    /** Failures from one address, any accounts (credential stuffing). @default 100 */
    perAddress: number;
    /**
     * Failures for one account from any address (distributed guessing). Addresses that signed in
     * to the account in the last 14 days are exempt, so an attacker cannot lock its owner out. @default 50
     */
    perAccount: number;
  };
  limits: {
    /** Largest request body, in bytes. @default 102400 */
    maxBodyBytes: number;
    /** GraphQL Armor's defaults. @default 6 */
    maxDepth: number;
    /** @default 15 */
    maxAliases: number;
    /** @default 1000 */
    maxTokens: number;
    /** @default 50 */
    maxDirectives: number;
    /** @default 5000 */
    maxCost: number;
  };
  password: {
    /** Concurrent argon2 hashes; below libuv's 4 threads so jose and I/O keep a thread. @default 2 */
    hashConcurrency: number;
    /** Hashes allowed to wait; past this, login/signup answer RATE_LIMITED. @default 64 */
    hashQueueLimit: number;
  };
  /** Serve GraphiQL on GET /graphql. @default true outside production */
  graphiql: boolean;
  /** Allow introspection. @default true outside production */
  introspection: boolean;
  securityLog: {
    /**
     * Days a security-log event, and a session after it ended, is kept before the hourly cleanup
     * deletes it (SECURITY_LOG_RETENTION_DAYS). @default 90
     */
    retentionDays: number;
  };
  /** @default 'info' */
  logLevel: LogLevel;
  /** Seconds to wait for in-flight requests on SIGTERM before closing anyway. @default 10 */
  shutdownTimeout: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Secrets that appear in tutorials and .env.example files; never acceptable in production. */
const PLACEHOLDER_SECRETS = [
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'your-secret',
  'your_secret',
  'yoursecret',
  'your-256-bit-secret',
  'supersecret',
  'super-secret',
  'jwt-secret',
  'jwt_secret',
  'mysecret',
  'password',
  'replace-me',
];

export const MIN_SECRET_BYTES = 32;

function isPlaceholder(secret: string): boolean {
  const s = secret.toLowerCase();
  if (PLACEHOLDER_SECRETS.some((p) => s === p || s.startsWith(`${p}-`) || s.startsWith(`${p}_`))) return true;
  // "aaaaaaaa...", "xxxx...": one repeated character is no key.
  return new Set(s).size <= 2;
}

function int(env: Record<string, string | undefined>, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  }
  return n;
}

function bool(env: Record<string, string | undefined>, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false; got "${env[name]}"`);
}

export function parseDatabaseUrl(raw: string | undefined, dataDir: string): DatabaseConfig {
  if (raw === undefined || raw.trim() === '') return { type: 'sqlite', path: path.join(dataDir, 'app.sqlite') };
  const url = raw.trim();
  if (url.startsWith('sqlite:')) {
    let file = url.slice('sqlite:'.length);
    // sqlite:///abs/path and sqlite://./rel are common spellings of sqlite:/abs/path.
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '') throw new ConfigError('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/app.sqlite');
    return { type: 'sqlite', path: file === ':memory:' ? file : path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    }
    return { type: 'postgres', url };
  }
  throw new ConfigError('DATABASE_URL must start with sqlite: or postgres://');
}

function parseRedisUrl(raw: string | undefined): string | undefined {
  const url = raw?.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  return url;
}

export function loadConfig(env: Record<string, string | undefined> = {}): Config {
  const rawEnv = env.NODE_ENV?.trim();
  const nodeEnv: NodeEnv = rawEnv === 'production' ? 'production' : rawEnv === 'test' ? 'test' : 'development';
  const production = nodeEnv === 'production';
  const dataDir = path.resolve(env.DATA_DIR?.trim() || 'data');

  const secretRaw = env.JWT_SECRET;
  let secret: Uint8Array | undefined;
  if (secretRaw === undefined || secretRaw === '') {
    if (production) {
      throw new ConfigError(
        `JWT_SECRET is required in production: set it to at least ${MIN_SECRET_BYTES} random bytes, ` +
          'e.g. JWT_SECRET="$(openssl rand -base64 48)"',
      );
    }
  } else {
    secret = new TextEncoder().encode(secretRaw);
    if (production && secret.byteLength < MIN_SECRET_BYTES) {
      throw new ConfigError(
        `JWT_SECRET is ${secret.byteLength} bytes; production needs at least ${MIN_SECRET_BYTES} ` +
          '(e.g. JWT_SECRET="$(openssl rand -base64 48)")',
      );
    }
    if (production && isPlaceholder(secretRaw)) {
      throw new ConfigError('JWT_SECRET is a well-known placeholder; generate a random one (openssl rand -base64 48)');
    }
  }
  const previousSecrets = (env.JWT_PREVIOUS_SECRETS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => new TextEncoder().encode(s));

  const logLevelRaw = (env.LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevelRaw)) {
    throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error; got "${env.LOG_LEVEL}"`);
  }

  const transport = (env.REFRESH_TOKEN_TRANSPORT?.trim().toLowerCase() || 'body') as RefreshConfig['transport'];
  if (transport !== 'body' && transport !== 'cookie') {
    throw new ConfigError(`REFRESH_TOKEN_TRANSPORT must be body or cookie; got "${env.REFRESH_TOKEN_TRANSPORT}"`);
  }
  const sameSite = (env.REFRESH_COOKIE_SAMESITE?.trim().toLowerCase() ||
    'strict') as RefreshConfig['cookie']['sameSite'];
  if (!['strict', 'lax', 'none'].includes(sameSite)) {
    throw new ConfigError(`REFRESH_COOKIE_SAMESITE must be strict, lax or none; got "${env.REFRESH_COOKIE_SAMESITE}"`);
  }
  const cookieSecure = bool(env, 'REFRESH_COOKIE_SECURE', true);
  if (sameSite === 'none' && !cookieSecure) {
    throw new ConfigError(
      'REFRESH_COOKIE_SAMESITE=none needs REFRESH_COOKIE_SECURE=true (browsers refuse it otherwise)',
    );
  }
  const corsRaw = env.CORS_ORIGINS?.trim();
  let corsOrigins: string[] | '*';
  if (corsRaw === undefined || corsRaw === '') corsOrigins = production ? [] : '*';
  else if (corsRaw === '*') corsOrigins = '*';
  else {
    corsOrigins = corsRaw
      .split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean);
    for (const o of corsOrigins) {
      if (!/^https?:\/\/[^/\s]+$/.test(o))
        throw new ConfigError(`CORS_ORIGINS entries must look like https://app.example.com; got "${o}"`);
    }
  }

  return {
    env: nodeEnv,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || undefined,
    database: parseDatabaseUrl(env.DATABASE_URL, dataDir),
    dataDir,
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    jwt: {
      secret,
      previousSecrets,
      expiresIn: int(env, 'JWT_EXPIRES_IN', 3600, 1, 60 * 60 * 24 * 30),
      issuer: env.JWT_ISSUER?.trim() || 'graphql-auth-api',
      audience: env.JWT_AUDIENCE?.trim() || 'graphql-auth-api',
      clockTolerance: int(env, 'JWT_CLOCK_TOLERANCE', 5, 0, 300),
    },
    refresh: {
      ttl: int(env, 'REFRESH_TOKEN_TTL', 60 * 60 * 24 * 30, 60, 60 * 60 * 24 * 365),
      transport,
      cookie: {
        name: env.REFRESH_COOKIE_NAME?.trim() || 'refresh_token',
        secure: cookieSecure,
        sameSite,
        path: '/graphql',
      },
    },
    corsOrigins,
    trustProxy: int(env, 'TRUST_PROXY', 0, 0, 10),
    redisUrl: parseRedisUrl(env.REDIS_URL),
    redisKeyPrefix: env.REDIS_KEY_PREFIX?.trim() || 'gqlauth',
    throttle: {
      windowSeconds: int(env, 'LOGIN_THROTTLE_WINDOW', 900, 1, 86_400),
      perAccountAndAddress: int(env, 'LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS', 10, 1, 100_000),
      perAddress: int(env, 'LOGIN_MAX_FAILS_PER_ADDRESS', 100, 1, 1_000_000),
      perAccount: int(env, 'LOGIN_MAX_FAILS_PER_ACCOUNT', 50, 1, 1_000_000),
    },
    limits: {
      maxBodyBytes: int(env, 'MAX_BODY_BYTES', 100 * 1024, 1024, 50 * 1024 * 1024),
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 6, 1, 100),
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 15, 0, 1000),
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 1000, 10, 100_000),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 0, 1000),
      maxCost: int(env, 'GRAPHQL_MAX_COST', 5000, 1, 10_000_000),
    },
    password: {
      hashConcurrency: int(env, 'PASSWORD_HASH_CONCURRENCY', 2, 1, 64),
      hashQueueLimit: int(env, 'PASSWORD_HASH_QUEUE_LIMIT', 64, 0, 100_000),
    },
    graphiql: bool(env, 'GRAPHIQL', !production),
    introspection: bool(env, 'INTROSPECTION', !production),
    securityLog: { retentionDays: int(env, 'SECURITY_LOG_RETENTION_DAYS', 90, 1, 3650) },
    logLevel: logLevelRaw,
    shutdownTimeout: int(env, 'SHUTDOWN_TIMEOUT', 10, 0, 600),
  };
}
