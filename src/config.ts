import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultHashConcurrency } from './settings/hash-concurrency.js';
import { HOW_TO_MAKE_ONE, looksLikePlaceholder, secretWeakness } from './settings/secret-strength.js';
import {
  boolean,
  type ConfigOf,
  constant,
  integer,
  list,
  type NodeEnv,
  oneOf,
  optionalText,
  type SettingsContext,
  setting,
  text,
} from './settings/define.js';
import { jwtKeySettings, keyRules } from './settings/jwt-keys.js';
import { loadOrCreateDevMfaKey } from './settings/dev-mfa-key.js';
import { resolveWebauthn, type WebauthnConfig, webauthnRule, webauthnSettings } from './settings/webauthn.js';
import { loadOrCreateDevPrivateKey, loadOrCreateDevSecret } from './settings/dev-secret.js';
import { ConfigError, type Env, loadSettings, readSetting, type SettingIssue } from './settings/load.js';

/**
 * Every option the server reads: its variable, type, range, default and description, stated once
 * in `settings` below. The typed `Config`, the start-up validation (every bad value reported in
 * one error), the README's settings table and `.env.example` (`npm run settings:docs`) all come
 * from it.
 *
 * To add a setting, add one entry where its value belongs in `Config` (e.g.
 * `smtp: { port: integer('SMTP_PORT', { default: 587, min: 1, max: 65535, description: '...' }) }`),
 * read it as `config.smtp.port`, and run `npm run settings:docs`. A rule that spans several
 * settings goes in `rules`.
 */

export { ConfigError, type NodeEnv, type SettingIssue };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export const MIN_SECRET_BYTES = 32;

const GENERATE = 'JWT_SECRET="$(openssl rand -base64 48)"';

/** The checks a production signing secret must pass; the text is kept for them, the bytes for jose. */
function productionSecretProblem(secret: string | undefined): string | undefined {
  if (secret === undefined)
    return `is required in production: set it to at least ${MIN_SECRET_BYTES} random bytes, e.g. ${GENERATE}`;
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES)
    return `is ${bytes} bytes; production needs at least ${MIN_SECRET_BYTES} (e.g. ${GENERATE})`;
  // Judged by what it is, not by a list of placeholders (src/auth/secret-strength.ts).
  const weakness = secretWeakness(secret);
  if (weakness) return `is too weak for production: ${weakness}; ${HOW_TO_MAKE_ONE}`;
  return undefined;
}

const databaseUrl = z.string().transform((url, ctx): DatabaseConfig => {
  if (url.startsWith('sqlite:')) {
    let file = url.slice('sqlite:'.length);
    // sqlite:///abs/path and sqlite://./rel are common spellings of sqlite:/abs/path.
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '') {
      ctx.addIssue({ code: 'custom', message: 'sqlite: needs a file path, e.g. sqlite:./data/app.sqlite' });
      return z.NEVER;
    }
    return { type: 'sqlite', path: file === ':memory:' ? file : path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    if (!URL.canParse(url)) {
      ctx.addIssue({ code: 'custom', message: 'is not a valid postgres:// URL' });
      return z.NEVER;
    }
    return { type: 'postgres', url };
  }
  ctx.addIssue({ code: 'custom', message: 'must start with sqlite: or postgres://' });
  return z.NEVER;
});

const origin = z
  .string()
  .transform((o) => o.replace(/\/$/, ''))
  .pipe(z.string().regex(/^https?:\/\/[^/\s]+$/, { error: 'entries must look like https://app.example.com' }));

const utf8 = (s: string) => new TextEncoder().encode(s);

const smtpUrl = z.string().superRefine((url, ctx) => {
  if (!URL.canParse(url)) {
    ctx.addIssue({
      code: 'custom',
      message: 'is not a valid URL; expected smtp://[user:pass@]host:port or smtps://...',
    });
    return;
  }
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    ctx.addIssue({ code: 'custom', message: 'must start with smtp:// or smtps://' });
  else if (!u.hostname) ctx.addIssue({ code: 'custom', message: 'needs a host' });
});

// Links are APP_URL + '/reset-password?token=...': a path prefix is kept, the trailing slash dropped.
const appUrl = z.string().transform((url, ctx) => {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL like https://app.example.com' });
    return z.NEVER;
  }
  const u = new URL(url);
  if (u.search || u.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a query or fragment' });
    return z.NEVER;
  }
  return url.replace(/\/+$/, '');
});

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
/** 32 bytes as base64, base64url or hex: an AES-256 key (MFA_ENCRYPTION_KEY). */
const aesKey = z.string().transform((value, ctx): Uint8Array => {
  if (HEX_KEY.test(value)) return new Uint8Array(Buffer.from(value, 'hex'));
  if (BASE64_KEY.test(value)) return new Uint8Array(Buffer.from(value, 'base64'));
  ctx.addIssue({
    code: 'custom',
    message: 'must be 32 random bytes as base64 or hex, e.g. "$(openssl rand -base64 32)"',
  });
  return z.NEVER;
});

const nodeEnv = oneOf('NODE_ENV', ['development', 'production', 'test'], {
  default: 'development',
  description:
    '`production` turns on the production checks (JWT_SECRET, JWT_PRIVATE_KEY), JSON logs, and GraphiQL/introspection off',
});

const dataDir = setting('DATA_DIR', {
  description: 'folder for the default SQLite file and the development secret or signing key',
  allowed: 'path',
  schema: z.string().transform((d) => path.resolve(d)),
  default: () => path.resolve('data'),
  defaultText: '`./data`',
});

/** DATABASE_URL as the database to open (also used by the CLI and tests that take a URL). */
export function parseDatabaseUrl(raw: string | undefined, dataDir: string): DatabaseConfig {
  const r = readSetting(settings.database, { DATABASE_URL: raw }, { env: 'development', production: false, dataDir });
  if (!r.ok) throw new ConfigError([r.issue]);
  return r.value;
}

/** The settings, shaped like the `Config` they produce. */
export const settings = {
  env: nodeEnv,
  envFile: text('ENV_FILE', {
    default: '.env',
    description:
      'a dotenv file read at start when it exists (set this one in the environment); variables set in the environment win over the file',
  }),
  port: integer('PORT', { default: 4000, min: 0, max: 65535, description: 'TCP port' }),
  host: optionalText('HOST', {
    description: 'address to bind, e.g. `127.0.0.1`',
    allowed: 'address',
    defaultText: 'all interfaces',
  }),
  database: setting('DATABASE_URL', {
    description: '`sqlite:<path>` (created with its tables if missing) or `postgres://user:pass@host:5432/db`',
    allowed: '`sqlite:` or `postgres://` URL',
    schema: databaseUrl,
    default: (ctx: SettingsContext): DatabaseConfig => ({ type: 'sqlite', path: path.join(ctx.dataDir, 'app.sqlite') }),
    defaultText: '`sqlite:./data/app.sqlite` (in `DATA_DIR`)',
    sensitive: true,
  }),
  dataDir,
  migrateOnStart: boolean('MIGRATE_ON_START', {
    default: true,
    description: 'apply pending migrations when the server starts',
  }),
  jwt: {
    algorithm: jwtKeySettings.algorithm,
    secret: setting<string | undefined>('JWT_SECRET', {
      description:
        'HMAC key for HS256 (unused under an asymmetric `JWT_ALGORITHM`): the UTF-8 bytes of the string. In production with HS256 the server refuses to start without one of ' +
        `at least ${MIN_SECRET_BYTES} bytes, or with a weak one: judged by strength (surrounding whitespace, fewer than ` +
        '10 distinct characters, repetition such as `changemechangeme...`, under 128 bits of estimated randomness), ' +
        'not by a list. Outside production a random one is generated once and kept in ' +
        '`DATA_DIR/jwt-secret` (mode 0600), with a warning. Generate one with `openssl rand -base64 48`.',
      allowed: `text, at least ${MIN_SECRET_BYTES} bytes in production`,
      schema: z.string(),
      default: () => undefined,
      defaultText: 'production: **required**; otherwise generated',
      // Whether it is required at all depends on JWT_ALGORITHM: a rule below.
      check: (value, ctx) => (ctx.production && value !== undefined ? productionSecretProblem(value) : undefined),
      sensitive: true,
      // The key is these exact bytes; production refuses surrounding whitespace, elsewhere start warns of it.
      verbatim: true,
      example: 'JWT_SECRET=',
    }),
    previousSecrets: setting('JWT_PREVIOUS_SECRETS', {
      description:
        'secrets accepted for **verification only**, for key rotation: tokens signed before the rotation keep working until they expire ' +
        '(also after a switch from HS256 to an asymmetric algorithm); never published',
      allowed: 'comma-separated list',
      schema: list(z.string().transform(utf8)),
      default: [] as Uint8Array[],
      defaultText: 'none',
      sensitive: true,
    }),
    privateKey: jwtKeySettings.privateKey,
    nextPublicKey: jwtKeySettings.nextPublicKey,
    previousPublicKeys: jwtKeySettings.previousPublicKeys,
    jwksMaxAge: jwtKeySettings.jwksMaxAge,
    expiresIn: integer('JWT_EXPIRES_IN', {
      default: 3600,
      min: 1,
      max: 60 * 60 * 24 * 30,
      description: 'access-token lifetime in seconds (`exp = iat + JWT_EXPIRES_IN`)',
    }),
    issuer: text('JWT_ISSUER', { default: 'graphql-auth-api', description: '`iss` claim, signed and required' }),
    audience: text('JWT_AUDIENCE', { default: 'graphql-auth-api', description: '`aud` claim, signed and required' }),
    clockTolerance: integer('JWT_CLOCK_TOLERANCE', {
      default: 5,
      min: 0,
      max: 300,
      description: 'seconds of clock skew tolerated on `exp`, `nbf` and `iat`',
    }),
  },
  refresh: {
    ttl: integer('REFRESH_TOKEN_TTL', {
      default: 60 * 60 * 24 * 30,
      min: 60,
      max: 60 * 60 * 24 * 365,
      description: 'refresh-token lifetime in seconds (30 days); each refresh starts a new one',
    }),
    transport: oneOf('REFRESH_TOKEN_TRANSPORT', ['body', 'cookie'], {
      default: 'body',
      description:
        '`body`: `refreshToken` is in the response and passed back as an argument; `cookie`: it travels only in an HttpOnly cookie (see [Sessions](#sessions))',
    }),
    cookie: {
      name: text('REFRESH_COOKIE_NAME', {
        default: 'refresh_token',
        description: 'cookie name in cookie mode',
        pattern: [/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a cookie name (letters, digits, _ - .)'],
      }),
      secure: boolean('REFRESH_COOKIE_SECURE', {
        default: true,
        description: "the cookie's `Secure` flag (browsers accept it from `http://localhost` too)",
      }),
      sameSite: oneOf('REFRESH_COOKIE_SAMESITE', ['strict', 'lax', 'none'], {
        default: 'strict',
        description: "the cookie's `SameSite` (`none` needs `Secure`)",
      }),
      /** Sent only to the GraphQL endpoint. */
      path: constant('/graphql'),
    },
  },
  mfa: {
    encryptionKey: setting<Uint8Array | undefined>('MFA_ENCRYPTION_KEY', {
      description:
        'AES-256-GCM key for TOTP secrets at rest (not the JWT secret). In production without it the server ' +
        'starts with two-factor sign-in unavailable (`setupTotp` answers `MFA_UNAVAILABLE`, and an account ' +
        'that has TOTP on cannot finish a sign-in: it fails closed) and says so at start; outside production one is generated ' +
        'once into `DATA_DIR/mfa-encryption-key` (0600). Lose it and every authenticator must be set up again. ' +
        '`openssl rand -base64 32`',
      allowed: '32 bytes, base64 or hex',
      schema: aesKey,
      default: () => undefined,
      defaultText: 'production: none (two-factor sign-in off); otherwise generated',
      sensitive: true,
      example: 'MFA_ENCRYPTION_KEY=',
    }),
    previousKeys: setting('MFA_PREVIOUS_ENCRYPTION_KEYS', {
      description: 'earlier MFA_ENCRYPTION_KEYs, for **decryption only**: secrets sealed before a rotation still open',
      allowed: 'comma-separated list of keys',
      schema: list(aesKey),
      default: [] as Uint8Array[],
      defaultText: 'none',
      sensitive: true,
    }),
    issuer: text('TOTP_ISSUER', {
      default: 'GraphQL Auth API',
      description: 'the issuer an authenticator app shows beside the account (in the otpauth URI and QR code)',
    }),
    challengeTtl: integer('MFA_CHALLENGE_TTL', {
      default: 300,
      min: 30,
      max: 3600,
      description: 'seconds a login challenge (`MFA_REQUIRED`) stays valid for `verifyLogin`',
    }),
    challengeMaxAttempts: integer('MFA_CHALLENGE_MAX_ATTEMPTS', {
      default: 5,
      min: 1,
      max: 20,
      description: 'wrong codes one login challenge takes before it is locked (sign in again)',
    }),
  },
  /** Passkeys (src/settings/webauthn.ts); resolved against APP_URL and PRODUCT_NAME by loadConfig. */
  webauthn: webauthnSettings,
  corsOrigins: setting('CORS_ORIGINS', {
    description: 'browser origins allowed to call the API, e.g. `https://app.example.com`; `*` for any',
    allowed: 'comma-separated origins, or `*`',
    schema: z.union([z.literal('*'), list(origin)]),
    default: (ctx: SettingsContext): string[] | '*' => (ctx.production ? [] : '*'),
    defaultText: 'any in development, none in production',
  }),
  trustProxy: integer('TRUST_PROXY', {
    default: 0,
    min: 0,
    max: 10,
    description:
      'how many proxies in front of the server append to `X-Forwarded-For`; 0 ignores the header (it is client-forgeable)',
  }),
  redisUrl: optionalText('REDIS_URL', {
    description:
      '`redis://host:6379`: login, signup and mail throttle counters and `accountEvents` shared by every instance (in memory otherwise)',
    allowed: '`redis://` or `rediss://` URL',
    schema: z.string().regex(/^rediss?:\/\//, { error: 'must start with redis:// or rediss://' }),
    defaultText: 'none',
    sensitive: true,
  }),
  redisKeyPrefix: text('REDIS_KEY_PREFIX', {
    default: 'gqlauth',
    description: 'prefix of every Redis key, so deployments can share one Redis',
  }),
  throttle: {
    windowSeconds: integer('LOGIN_THROTTLE_WINDOW', {
      default: 900,
      min: 1,
      max: 86_400,
      description: 'seconds over which failed logins are counted',
    }),
    perAccountAndAddress: integer('LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS', {
      default: 10,
      min: 1,
      max: 100_000,
      description: 'failures for one account from one address per window',
    }),
    perAddress: integer('LOGIN_MAX_FAILS_PER_ADDRESS', {
      default: 100,
      min: 1,
      max: 1_000_000,
      description: 'failures from one address, any accounts',
    }),
    perAccount: integer('LOGIN_MAX_FAILS_PER_ACCOUNT', {
      default: 50,
      min: 1,
      max: 1_000_000,
      description:
        'failures for one account from any address (addresses that signed in to it in the last 14 days are exempt)',
    }),
  },
  /** Sign-ups per client address (src/auth/signup-throttle.ts), shared through REDIS_URL. */
  signupThrottle: {
    windowSeconds: integer('SIGNUP_THROTTLE_WINDOW', {
      default: 3600,
      min: 1,
      max: 86_400,
      description: 'seconds over which sign-ups are counted',
    }),
    perAddress: integer('SIGNUP_MAX_PER_ADDRESS', {
      // Outside production a bound still, but one that a test suite signing up a user per test
      // from 127.0.0.1 never meets; in production one that a household or office never meets.
      default: (ctx) => (ctx.production ? 30 : 1000),
      defaultText: '30 in production, 1000 otherwise',
      min: 1,
      max: 1_000_000,
      description:
        "sign-ups from one client address per window, whether or not they succeed; beyond it `RATE_LIMITED` with `retryAfter`. Behind a proxy set `TRUST_PROXY`, or every client shares the proxy's address",
    }),
  },
  limits: {
    maxBodyBytes: integer('MAX_BODY_BYTES', {
      default: 100 * 1024,
      min: 1024,
      max: 50 * 1024 * 1024,
      description: 'largest request body, in bytes',
    }),
    maxDepth: integer('GRAPHQL_MAX_DEPTH', {
      default: 6,
      min: 1,
      max: 100,
      description: 'deepest selection (GraphQL Armor limits, at its defaults)',
    }),
    maxAliases: integer('GRAPHQL_MAX_ALIASES', {
      default: 15,
      min: 0,
      max: 1000,
      description: 'aliases per operation',
    }),
    maxTokens: integer('GRAPHQL_MAX_TOKENS', {
      default: 1000,
      min: 10,
      max: 100_000,
      description: 'tokens per document',
    }),
    maxDirectives: integer('GRAPHQL_MAX_DIRECTIVES', {
      default: 50,
      min: 0,
      max: 1000,
      description: 'directives per operation',
    }),
    maxCost: integer('GRAPHQL_MAX_COST', { default: 5000, min: 1, max: 10_000_000, description: 'cost per operation' }),
  },
  password: {
    hashConcurrency: integer('PASSWORD_HASH_CONCURRENCY', {
      // libuv reads UV_THREADPOOL_SIZE from the process's own environment when its pool starts.
      default: () => defaultHashConcurrency(os.availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE) || 4),
      defaultText: "cores - 1, at most libuv's `UV_THREADPOOL_SIZE` (4) - 1",
      min: 1,
      max: 64,
      description:
        'argon2 hashes running at once: one core stays with the event loop (token checks, JSON), one thread of the pool with file and DNS work',
    }),
    threadPoolPolicy: oneOf('THREAD_POOL_POLICY', ['idle', 'nice'], {
      default: 'idle',
      description:
        "how libuv's thread pool (argon2, WebCrypto, file work) runs below the event loop, on Linux: `idle` puts its threads under SCHED_IDLE, so a woken event loop takes the CPU from a hash at once and token checks keep their idle latency during a login flood (hashes then run only on CPU time nothing else on the host wants); `nice` only lowers their nice value by `THREAD_POOL_NICE`. `idle` falls back to `nice` where the packages/thread-idle-policy addon is not built",
    }),
    threadPoolNice: integer('THREAD_POOL_NICE', {
      default: 10,
      min: 0,
      max: 19,
      description:
        "how much lower than the event loop's the CPU priority of libuv's thread pool (argon2, WebCrypto, file work) is, on Linux (a nice increment; 0 leaves it equal): during a login flood token checks then wait for no hash, and the hashes still get every CPU cycle nothing else wants",
    }),
    hashMaxWaitSeconds: integer('PASSWORD_HASH_MAX_WAIT', {
      default: 30,
      min: 1,
      max: 600,
      description:
        'longest expected wait in the hashing queue (waiting x measured hash time / concurrency) a signup, login or password change is admitted with; beyond it `RATE_LIMITED` with `retryAfter`. Below common proxy timeouts (60 s)',
    }),
  },
  pwnedPasswords: {
    url: optionalText('PWNED_PASSWORDS_URL', {
      description:
        'a Pwned Passwords compatible range API (e.g. `https://api.pwnedpasswords.com`): new passwords found in a breach are refused. Only the first 5 hex digits of the SHA-1 are sent (k-anonymity); when it does not answer in time the password is let through with a warning',
      allowed: '`http://` or `https://` URL',
      schema: z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' }),
      defaultText: 'off',
    }),
    timeoutMs: integer('PWNED_PASSWORDS_TIMEOUT', {
      default: 2000,
      min: 100,
      max: 30_000,
      description: 'milliseconds to wait for the range API before letting the password through',
    }),
  },
  subscriptions: {
    perUser: integer('SUBSCRIPTIONS_MAX_PER_USER', {
      default: 5,
      min: 1,
      max: 10_000,
      description: 'open subscription streams one account may hold on one instance; beyond it `TOO_MANY_STREAMS`',
    }),
    total: integer('SUBSCRIPTIONS_MAX_TOTAL', {
      default: 1000,
      min: 1,
      max: 1_000_000,
      description: 'open subscription streams on one instance, all accounts together',
    }),
  },
  http: {
    headersTimeoutSeconds: integer('HTTP_HEADERS_TIMEOUT', {
      default: 10,
      min: 1,
      max: 600,
      description: "seconds a client has to send a request's headers; slower sockets are closed (slowloris)",
    }),
    requestTimeoutSeconds: integer('HTTP_REQUEST_TIMEOUT', {
      default: 30,
      min: 1,
      max: 3600,
      description: 'seconds a client has to send a whole request, body included (not the response: streams stay open)',
    }),
  },
  graphiql: boolean('GRAPHIQL', {
    default: (ctx) => !ctx.production,
    defaultText: '`true`, `false` in production',
    description: 'serve GraphiQL on `GET /graphql`',
  }),
  introspection: boolean('INTROSPECTION', {
    default: (ctx) => !ctx.production,
    defaultText: '`true`, `false` in production',
    description: 'allow schema introspection',
  }),
  securityLog: {
    retentionDays: integer('SECURITY_LOG_RETENTION_DAYS', {
      default: 90,
      min: 1,
      max: 3650,
      description:
        'days a security-log event, and a session after it ended, is kept; an hourly cleanup deletes older ones',
    }),
  },
  logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'], {
    default: 'info',
    description: 'least severe level logged',
  }),
  shutdownTimeout: integer('SHUTDOWN_TIMEOUT', {
    default: 10,
    min: 0,
    max: 600,
    description: 'seconds SIGTERM waits for requests in flight before closing them',
  }),
  /** graphql-ws subscriptions on /graphql (src/ws/). */
  websocket: {
    maxConnections: integer('WS_MAX_CONNECTIONS', {
      default: 1000,
      min: 0,
      max: 1_000_000,
      description:
        'open WebSocket connections (graphql-ws on `/graphql`) in total; beyond it an upgrade answers 503. `0` turns WebSocket off',
    }),
    maxConnectionsPerUser: integer('WS_MAX_CONNECTIONS_PER_USER', {
      default: 10,
      min: 1,
      max: 10_000,
      description:
        'open WebSocket connections per account, and per client address for connections without a token; beyond it the connection closes with 4403 `Too many connections`',
    }),
  },
  /** Prometheus metrics (src/metrics/): collected only when METRICS_TOKEN or METRICS_PORT turns an endpoint on. */
  metrics: {
    token: optionalText('METRICS_TOKEN', {
      description:
        'turns on `GET /metrics` on the API port, answered only to `Authorization: Bearer <METRICS_TOKEN>` (401 without, 403 with another); unset, `/metrics` is 404 and no metrics are collected (unless `METRICS_PORT` is set). Generate one with `openssl rand -hex 32`',
      allowed: '16 to 512 letters, digits or `-._~+/`',
      schema: z.string().regex(/^[A-Za-z0-9\-._~+/]{16,512}=*$/, {
        error: 'must be 16 to 512 letters, digits or -._~+/ (e.g. METRICS_TOKEN="$(openssl rand -hex 32)")',
      }),
      check: (value) =>
        value !== undefined && looksLikePlaceholder(value)
          ? 'is a placeholder; generate one with openssl rand -hex 32'
          : undefined,
      defaultText: 'none (off)',
      sensitive: true,
    }),
    port: setting<number | undefined>('METRICS_PORT', {
      description:
        'also serve `/metrics` on this port of its own (`0`: any free one), on `METRICS_HOST`; it asks for `METRICS_TOKEN` too when that is set',
      allowed: 'whole number, 0 to 65535',
      schema: z
        .string()
        .regex(/^\d+$/, { error: 'must be a whole number from 0 to 65535' })
        .transform(Number)
        .pipe(z.number().int().max(65535, { error: 'must be a whole number from 0 to 65535' })),
      default: () => undefined,
      defaultText: 'none',
    }),
    host: text('METRICS_HOST', {
      default: '127.0.0.1',
      description: 'where `METRICS_PORT` listens (loopback: a scraper on the same host or in the same pod)',
    }),
  },
  /** Mail for password reset, address verification and e-mail change (src/mail/; see mailTransport). */
  mail: {
    smtpUrl: optionalText('SMTP_URL', {
      description:
        'where every mail goes (`smtp://[user:pass@]host:port`, or `smtps://` for TLS from the start). Unset outside production: each mail is written to `DATA_DIR/mail/*.eml` and its link logged. Unset in production: the server starts with mail **disabled** (a warning at start), and the mutations that must mail answer `MAIL_DISABLED`',
      allowed: '`smtp://` or `smtps://` URL',
      schema: smtpUrl,
      defaultText: 'none',
      sensitive: true,
    }),
    from: optionalText('MAIL_FROM', {
      description: 'the sender of every mail, e.g. `Acme <no-reply@acme.com>`; required in production with SMTP_URL',
      defaultText: '`"<PRODUCT_NAME>" <no-reply@localhost>`',
    }),
    productName: text('PRODUCT_NAME', {
      default: 'GraphQL Auth API',
      description: 'the name every mail and link page shows',
    }),
    appUrl: setting<string | undefined>('APP_URL', {
      description:
        "the base URL mailed links open (`<APP_URL>/reset-password?token=...`, `<APP_URL>/verify-email?token=...`): a frontend that handles both paths. Never taken from a request's Host header",
      allowed: 'absolute http(s) URL',
      schema: appUrl,
      default: () => undefined,
      defaultText: "this server's own URL (`http://localhost:<PORT>`, as it listens)",
    }),
    timeoutSeconds: integer('MAIL_TIMEOUT', {
      default: 10,
      min: 1,
      max: 120,
      description: 'seconds one send may take: connecting, the greeting, each wait on the socket, and the whole send',
    }),
    passwordResetTtl: integer('PASSWORD_RESET_TTL', {
      default: 1800,
      min: 60,
      max: 86_400,
      description: 'seconds a password-reset link stays valid',
    }),
    emailVerificationTtl: integer('EMAIL_VERIFICATION_TTL', {
      default: 86_400,
      min: 60,
      max: 30 * 86_400,
      description: 'seconds a verification (or e-mail change) link stays valid',
    }),
    verificationRequired: boolean('EMAIL_VERIFICATION_REQUIRED', {
      default: false,
      description:
        'unverified callers get `FORBIDDEN` (`reason: EMAIL_NOT_VERIFIED`) on every `@auth` field not marked `allowUnverified`',
    }),
    throttle: {
      windowSeconds: integer('MAIL_THROTTLE_WINDOW', {
        default: 3600,
        min: 1,
        max: 86_400,
        description: 'seconds over which mail requests are counted',
      }),
      perRecipient: integer('MAIL_MAX_PER_RECIPIENT', {
        default: 5,
        min: 1,
        max: 10_000,
        description: 'mails of one kind (reset, verification, e-mail change) to one address per window',
      }),
      perAddress: integer('MAIL_MAX_PER_ADDRESS', {
        default: 30,
        min: 1,
        max: 1_000_000,
        description:
          "mail requests from one client address per window, whatever their target (a signup's verification mail is bounded by SIGNUP_MAX_PER_ADDRESS instead)",
      }),
    },
  },
};

/**
 * Where mail goes: 'smtp' with SMTP_URL; otherwise 'file' (DATA_DIR/mail, links in the log)
 * outside production, and 'disabled' in production, which never logs a link.
 */
export function mailTransport(config: Pick<Config, 'env' | 'mail'>): 'smtp' | 'file' | 'disabled' {
  if (config.mail.smtpUrl) return 'smtp';
  return config.env === 'production' ? 'disabled' : 'file';
}

/** Rules that span several settings; each names the setting to change. */
const rules: Array<(c: ConfigOf<typeof settings>) => SettingIssue | undefined> = [
  (c) =>
    c.env === 'production' && c.jwt.algorithm === 'HS256' && c.jwt.secret === undefined
      ? { setting: 'JWT_SECRET', message: productionSecretProblem(undefined)! }
      : undefined,
  (c) => keyRules(c.jwt, c.env === 'production'),
  (c) =>
    c.http.requestTimeoutSeconds < c.http.headersTimeoutSeconds
      ? {
          setting: 'HTTP_REQUEST_TIMEOUT',
          message: 'must be at least HTTP_HEADERS_TIMEOUT (the headers are part of the request)',
        }
      : undefined,
  (c) =>
    c.refresh.cookie.sameSite === 'none' && !c.refresh.cookie.secure
      ? {
          setting: 'REFRESH_COOKIE_SAMESITE',
          message: 'is none, which needs REFRESH_COOKIE_SECURE=true (browsers refuse it otherwise)',
        }
      : undefined,
  (c) =>
    c.env === 'production' && c.mail.smtpUrl && !c.mail.from
      ? {
          setting: 'MAIL_FROM',
          message: 'is required in production with SMTP_URL, e.g. MAIL_FROM="Acme <no-reply@acme.com>"',
        }
      : undefined,
  (c) =>
    c.env === 'production' && c.mail.verificationRequired && !c.mail.smtpUrl
      ? {
          setting: 'EMAIL_VERIFICATION_REQUIRED',
          message: 'is true, which needs SMTP_URL in production: nobody could verify an address otherwise',
        }
      : undefined,
  (c) => webauthnRule(c, c.env === 'production'),
];

type Loaded = ConfigOf<typeof settings>;

export interface JwtConfig extends Omit<Loaded['jwt'], 'secret'> {
  /**
   * HMAC key bytes for HS256: the UTF-8 of JWT_SECRET, or the development secret. Undefined under
   * an asymmetric algorithm, which signs with `privateKey` (src/settings/jwt-keys.ts).
   */
  secret: Uint8Array | undefined;
  /** Set when JWT_SECRET was unset (never in production) and the development secret is used. */
  devSecret?: { file: string; created: boolean };
  /**
   * Set when JWT_SECRET starts or ends with whitespace (only outside production, which refuses it):
   * it is used as given, and start warns, as it is more likely a copy-paste slip than meant.
   */
  secretHasSurroundingWhitespace?: true;
  /** Set when JWT_PRIVATE_KEY was unset (never in production) and the development key is used. */
  devKey?: { file: string; created: boolean };
}

export type RefreshConfig = Loaded['refresh'];

export type MailConfig = Loaded['mail'];

export interface MfaConfig extends Omit<Loaded['mfa'], 'encryptionKey'> {
  /**
   * The AES-256 key sealing TOTP secrets: MFA_ENCRYPTION_KEY, or the development key; undefined in
   * production without MFA_ENCRYPTION_KEY, where two-factor sign-in is unavailable.
   */
  encryptionKey: Uint8Array | undefined;
  /** Set when MFA_ENCRYPTION_KEY was unset (never in production) and the development key is used. */
  devKey?: { file: string; created: boolean };
}

export type { WebauthnConfig };

export interface Config extends Omit<Loaded, 'jwt' | 'mfa' | 'webauthn'> {
  jwt: JwtConfig;
  mfa: MfaConfig;
  webauthn: WebauthnConfig;
}

/**
 * NODE_ENV and DATA_DIR, which other settings' defaults and checks depend on. A bad value of
 * either is reported by loadSettings with the rest; the development context stands in meanwhile.
 */
function contextOf(env: Env): SettingsContext {
  const fallback: SettingsContext = { env: 'development', production: false, dataDir: path.resolve('data') };
  const e = readSetting(nodeEnv, env, fallback);
  const d = readSetting(dataDir, env, fallback);
  const mode: NodeEnv = e.ok ? e.value : 'development';
  return { env: mode, production: mode === 'production', dataDir: d.ok ? d.value : fallback.dataDir };
}

/**
 * The configuration `env` describes. Throws a ConfigError naming every bad setting. Outside
 * production, an unset JWT_SECRET (HS256) or JWT_PRIVATE_KEY (EdDSA, ES256, RS256), and an unset
 * MFA_ENCRYPTION_KEY, are resolved here to the development secret or key kept in DATA_DIR (created
 * on first use), so no caller patches them in.
 */
export function loadConfig(env: Env = {}): Config {
  const loaded = loadSettings(settings, env, contextOf(env), rules);
  return { ...loaded, jwt: resolveJwtKey(loaded), mfa: resolveMfaKey(loaded), webauthn: resolveWebauthn(loaded) };
}

function resolveJwtKey(loaded: Loaded): JwtConfig {
  const { secret, ...jwt } = loaded.jwt;
  if (jwt.algorithm !== 'HS256') {
    // JWT_SECRET signs nothing here; the rules made sure production has a key that fits.
    if (jwt.privateKey) return { ...jwt, secret: undefined };
    const dev = loadOrCreateDevPrivateKey(loaded.dataDir, jwt.algorithm);
    return { ...jwt, secret: undefined, privateKey: dev.privateKey, devKey: { file: dev.file, created: dev.created } };
  }
  if (secret !== undefined)
    return {
      ...jwt,
      secret: utf8(secret),
      ...(secret !== secret.trim() ? { secretHasSurroundingWhitespace: true as const } : {}),
    };
  const dev = loadOrCreateDevSecret(loaded.dataDir);
  return { ...jwt, secret: dev.secret, devSecret: { file: dev.file, created: dev.created } };
}

/** Outside production, an unset MFA_ENCRYPTION_KEY becomes the development key kept in DATA_DIR. */
function resolveMfaKey(loaded: Loaded): MfaConfig {
  const { encryptionKey, ...mfa } = loaded.mfa;
  if (encryptionKey !== undefined) return { ...mfa, encryptionKey };
  // Production never makes a key of its own: without one, TOTP is unavailable (src/mfa/secret-box.ts).
  if (loaded.env === 'production') return { ...mfa, encryptionKey: undefined };
  const dev = loadOrCreateDevMfaKey(loaded.dataDir);
  return { ...mfa, encryptionKey: dev.key, devKey: { file: dev.file, created: dev.created } };
}
