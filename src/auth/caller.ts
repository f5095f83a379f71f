import type { Role, UserEntity } from '../db/entities/user.js';
import type { AccessTokenClaims } from './jwt.js';

/** The authenticated user behind a request. */
export interface Caller {
  id: string;
  /** The stored role, not the token's: a demotion counts at once. */
  role: Role;
  user: UserEntity;
  claims: AccessTokenClaims;
}

/**
 * What the auth layer needs of a request's context, and nothing more, so that src/auth/ does not
 * depend on src/context.ts (which builds on it). GraphQLContext satisfies it.
 */
export interface Authenticates {
  /** The caller, memoised per request: null without a token; rejects with UNAUTHENTICATED on a bad one. */
  authenticate(): Promise<Caller | null>;
  /**
   * The same answer when it is known without waiting (a token verified before, and a lookup
   * remembered since the last commit: see Authenticator.knownCaller); undefined when only
   * authenticate() can tell. Lets `@auth` run its resolver in the same tick.
   */
  knownCaller?(): Caller | null | undefined;
  /** EMAIL_VERIFICATION_REQUIRED: `@auth` fields refuse unverified callers unless they allow them. */
  emailVerificationRequired?: boolean;
}
