import type { DataSource } from 'typeorm';
import { createTokenSigner } from './auth/jwt.js';
import type { Redis } from 'ioredis';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createSignupThrottle, type SignupThrottle } from './auth/signup-throttle.js';
import { createPasswordHasher } from './auth/password.js';
import { createRefreshTokens } from './auth/refresh-tokens.js';
import { type Config, mailTransport } from './config.js';
import { RefreshTokenStore } from './db/refresh-token-store.js';
import { createSessions, type Sessions } from './auth/sessions.js';
import { SecurityEventStore } from './db/security-event-store.js';
import { SessionStore } from './db/session-store.js';
import { createSecurityLog, type SecurityLog } from './security/security-log.js';
import { UserStore } from './db/user-store.js';
import { createEvents } from './events.js';
import type { Logger } from './logger.js';
import { countThrottled } from './metrics/instrument.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { type Authenticator, createAuthenticator } from './auth/authenticate.js';
import type { TokenSigner } from './auth/jwt.js';
import type { PasswordHasher } from './auth/password.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { RefreshTokens } from './auth/refresh-tokens.js';
import type { Events } from './events.js';
import { createStreamLimits, type StreamLimits } from './stream-limits.js';
import { type BreachedPasswords, createBreachedPasswords } from './auth/pwned-passwords.js';
import { type AccountTokens, createAccountTokens } from './auth/account-tokens.js';
import { AccountTokenStore } from './db/account-token-store.js';
import { type Background, createBackground } from './mail/background.js';
import { createLinks, type Links } from './mail/links.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { createMailThrottle, type MailThrottle } from './mail/throttle.js';
import { MfaStore } from './db/mfa-store.js';
import { createSecondFactor, type SecondFactor } from './mfa/second-factor.js';
import { createSecretBox } from './mfa/secret-box.js';
import { type DurableCommits, openDurableCommits } from './db/durable-commits.js';
import { PasskeyStore } from './db/passkey-store.js';
import { createRelyingParty, type RelyingParty } from './passkeys/relying-party.js';

/** What the app is built from; tests build the same with their own database and secret. */
export interface Services {
  config: Config;
  users: UserStore;
  tokens: TokenSigner;
  /** Credential -> caller, for every transport (src/auth/authenticate.ts). */
  auth: Authenticator;
  passwords: PasswordHasher;
  /** The optional Pwned Passwords range check for new passwords (PWNED_PASSWORDS_URL). */
  breachedPasswords: BreachedPasswords;
  refreshTokens: RefreshTokens;
  /** Sign-ins and their refresh-token families (src/auth/sessions.ts). */
  sessions: Sessions;
  /** `securityLog.record(type, { userId, ctx })`: the account's security log (src/security/). */
  securityLog: SecurityLog;
  throttle: LoginThrottle;
  /** Sign-ups per client address (SIGNUP_MAX_PER_ADDRESS). */
  signupThrottle: SignupThrottle;
  /** TOTP, recovery codes and login challenges (src/mfa/second-factor.ts). */
  mfa: SecondFactor;
  /** The WebAuthn relying party: ceremony options and checks (src/passkeys/relying-party.ts). */
  passkeys: RelyingParty;
  /** Passkeys, user handles and ceremony challenges in the database. */
  passkeyStore: PasskeyStore;
  events: Events;
  /** Open subscription streams, per user and in total (src/stream-limits.ts). */
  streams: StreamLimits;
  logger: Logger;
  /** Named Prometheus series (src/metrics/metrics.ts); no-ops when metrics are off. */
  metrics: Metrics;
  /** Mail and the tokens of mailed links (password reset, verification, e-mail change). */
  mailer: Mailer;
  links: Links;
  accountTokens: AccountTokens;
  mailThrottle: MailThrottle;
  /** Work nobody waits for (mails after signup, reset requests); shutdown waits for it. */
  background: Background;
  /**
   * SQLite's commits synced off the event loop before each answer (src/db/durable-commits.ts);
   * undefined on PostgreSQL and in-memory SQLite.
   */
  durableCommits: DurableCommits | undefined;
}

/** Builds what every request shares: keys imported once, one hashing queue, one store. */
export async function createServices(
  config: Config,
  dataSource: DataSource,
  logger: Logger,
  opts: { redis?: Redis } = {},
): Promise<Services> {
  // Collected only when an endpoint serves them; otherwise every hook below stays unset.
  const metrics = await createMetrics({
    enabled: config.metrics.token !== undefined || config.metrics.port !== undefined,
  });
  const on = metrics.enabled;
  const [tokens, passwords] = await Promise.all([
    createTokenSigner(
      config.jwt,
      on ? (hit) => metrics.tokenCacheLookups.inc({ result: hit ? 'hit' : 'miss' }) : undefined,
    ),
    createPasswordHasher({
      concurrency: config.password.hashConcurrency,
      maxWaitMs: config.password.hashMaxWaitSeconds * 1000,
      ...(on
        ? { onWait: (s: number) => metrics.hashWait.observe(s), onRejected: () => metrics.hashRejected.inc() }
        : {}),
    }),
  ]);
  metrics.hashQueue.read((set) => {
    const { active, pending } = passwords.stats();
    set({ state: 'active' }, active);
    set({ state: 'pending' }, pending);
  });
  metrics.tokenCacheEntries.read((set) => set(tokens.cacheSize()));
  // The server remembers token subjects between commits (SQLite; see UserStore.findForToken).
  const users = new UserStore(dataSource, { rememberTokenSubjects: true });
  const background = createBackground(logger);
  const refreshTokenStore = new RefreshTokenStore(dataSource);
  const sessions = createSessions(new SessionStore(dataSource), refreshTokenStore);
  const passkeyStore = new PasskeyStore(dataSource);
  return {
    passkeyStore,
    // Until the server listens (start.ts calls setServerOrigin), the default origin is localhost:PORT.
    passkeys: createRelyingParty(config.webauthn, {
      store: passkeyStore,
      appUrl: config.mail.appUrl,
      port: config.port,
      jwt: config.jwt,
    }),
    mfa: createSecondFactor(
      new MfaStore(dataSource),
      createSecretBox(config.mfa.encryptionKey, config.mfa.previousKeys),
      config.mfa,
    ),
    config,
    users,
    tokens,
    auth: createAuthenticator({ tokens, users, sessions, logger }),
    passwords,
    breachedPasswords: createBreachedPasswords({ ...config.pwnedPasswords, logger }),
    refreshTokens: createRefreshTokens(refreshTokenStore, config.refresh.ttl, logger),
    sessions,
    securityLog: createSecurityLog(new SecurityEventStore(dataSource), logger, background),
    throttle: countThrottled(createLoginThrottle(config.throttle, opts.redis, config.redisKeyPrefix), metrics),
    signupThrottle: createSignupThrottle(config.signupThrottle, opts.redis, config.redisKeyPrefix),
    events: createEvents(opts.redis),
    streams: createStreamLimits(config.subscriptions),
    logger,
    metrics,
    background,
    mailer: createMailer(config.mail, {
      transport: mailTransport(config),
      dataDir: config.dataDir,
      logger,
      background,
    }),
    // Until the server listens (start.ts calls setServerOrigin), links point at localhost:PORT.
    links: createLinks(config.mail.appUrl, `http://localhost:${config.port}`),
    accountTokens: createAccountTokens(new AccountTokenStore(dataSource)),
    mailThrottle: createMailThrottle(config.mail.throttle, opts.redis, config.redisKeyPrefix),
    durableCommits: openDurableCommits(dataSource, logger),
  };
}
