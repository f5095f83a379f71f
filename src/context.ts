import type { YogaInitialContext } from 'graphql-yoga';
import type { AccessTokenClaims, TokenSigner } from './auth/jwt.js';
import { TokenError } from './auth/jwt.js';
import type { PasswordHasher } from './auth/password.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { RefreshTokens } from './auth/refresh-tokens.js';
import type { Config } from './config.js';
import type { Role, UserEntity } from './db/entities/user.js';
import type { UserStore } from './db/user-store.js';
import { unauthenticated, type TokenProblem } from './errors.js';
import { clientAddress } from './http/client-address.js';
import type { Events } from './events.js';
import type { Logger } from './logger.js';
import type { AccountTokens } from './auth/account-tokens.js';
import type { Background } from './mail/background.js';
import type { Links } from './mail/links.js';
import type { Mailer } from './mail/mailer.js';
import type { MailThrottle } from './mail/throttle.js';

/** What the app is built from; tests build the same with their own database and secret. */
export interface Services {
  config: Config;
  users: UserStore;
  tokens: TokenSigner;
  passwords: PasswordHasher;
  refreshTokens: RefreshTokens;
  throttle: LoginThrottle;
  events: Events;
  logger: Logger;
  /** Mail and the tokens of mailed links (password reset, verification, e-mail change). */
  mailer: Mailer;
  links: Links;
  accountTokens: AccountTokens;
  mailThrottle: MailThrottle;
  /** Work nobody waits for (mails after signup, reset requests); shutdown waits for it. */
  background: Background;
}

/** The authenticated user behind a request. */
export interface Caller {
  id: string;
  /** The stored role, not the token's: a demotion counts at once. */
  role: Role;
  user: UserEntity;
  claims: AccessTokenClaims;
}

export interface GraphQLContext extends YogaInitialContext {
  services: Services;
  /** The client's address (see src/http/client-address.ts), for throttling and logs. */
  clientAddress: string;
  /**
   * The caller, loaded once per request: `null` when no token was sent; rejects with
   * UNAUTHENTICATED when one was sent and is not valid (malformed, expired, revoked, user gone).
   * Only `@auth` and the policy call it; resolvers get `caller` from the directive instead.
   */
  authenticate(): Promise<Caller | null>;
  /** The caller when a valid token was sent, otherwise `null`: for public fields that vary by viewer. */
  viewer(): Promise<Caller | null>;
}

/** The context an `@auth` resolver receives: the directive has already checked the caller. */
export interface AuthedContext extends GraphQLContext {
  caller: Caller;
}

// RFC 6750 b64token after a case-insensitive scheme, separated by one or more spaces.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

type Presented = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

export function readAuthorization(header: string | null): Presented {
  // An empty header is what many clients send when logged out (`authorization: token ? ... : ''`).
  if (header === null || header.trim() === '') return { kind: 'none' };
  const m = BEARER.exec(header.trim());
  return m?.[1] ? { kind: 'token', token: m[1] } : { kind: 'malformed' };
}

export function createContextFactory(services: Services) {
  return (initial: YogaInitialContext): Omit<GraphQLContext, keyof YogaInitialContext> => {
    const presented = readAuthorization(initial.request.headers.get('authorization'));
    let pending: Promise<Caller | null> | undefined;

    async function load(): Promise<Caller | null> {
      if (presented.kind === 'none') return null;
      if (presented.kind === 'malformed')
        throw reject('malformed_header', 'Authorization header is not "Bearer <token>"');
      let claims: AccessTokenClaims;
      try {
        claims = await services.tokens.verify(presented.token);
      } catch (e) {
        if (e instanceof TokenError) throw reject(e.problem, e.detail);
        throw e;
      }
      const user = await services.users.findById(claims.sub);
      if (!user) throw reject('user_gone', `user ${claims.sub} no longer exists`);
      if (user.tokenVersion !== claims.ver)
        throw reject('revoked', `token version ${claims.ver} < ${user.tokenVersion}`);
      return { id: user.id, role: user.role, user, claims };
    }

    function reject(problem: TokenProblem, detail: string) {
      // The real reason goes to the log (never the token itself); the client gets a plain message.
      services.logger.debug('token refused', { problem, detail });
      return unauthenticated(problem);
    }

    const authenticate = () => (pending ??= load());
    return {
      services,
      clientAddress: clientAddress(initial.request, initial, services.config.trustProxy),
      authenticate,
      viewer: () => authenticate().catch(() => null),
    };
  };
}
