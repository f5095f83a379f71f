import type { YogaInitialContext } from 'graphql-yoga';
import { isAuthenticationFailure } from './auth/authenticate.js';
import type { Authenticates, Caller } from './auth/caller.js';
import { clientAddress } from './http/client-address.js';
import type { Services } from './services.js';

export type { Caller } from './auth/caller.js';

export interface GraphQLContext extends YogaInitialContext, Authenticates {
  services: Services;
  /** The client's address (see src/http/client-address.ts), for throttling and logs. */
  clientAddress: string;
  /** When the request arrived (epoch ms): tells a racing duplicate from a later replay (refresh). */
  receivedAt: number;
  /**
   * The caller, loaded once per request: `null` when no token was sent; rejects with
   * UNAUTHENTICATED when one was sent and is not valid (malformed, expired, revoked, user gone).
   * Only `@auth` and the policy call it; resolvers get `caller` from the directive instead.
   */
  authenticate(): Promise<Caller | null>;
  /**
   * The caller when a valid token was sent, otherwise `null`: for public fields that vary by
   * viewer. Only an authentication failure reads as anonymous; anything else (the database is
   * down) rejects, and the client gets a masked server error rather than a quietly smaller answer.
   */
  viewer(): Promise<Caller | null>;
}

/**
 * The context an `@auth` resolver receives: the directive has already checked the caller (its
 * role, and on an `@auth(maxAge:)` field a sign-in at most that old, so `caller.claims.auth_time`
 * is set there and recent). Flows that continue the caller's sign-in pass `caller.claims`'
 * `auth_time` and `amr` on (see `proofOf` in src/users/accounts.ts).
 */
export interface AuthedContext extends GraphQLContext {
  caller: Caller;
}

export function createContextFactory(services: Services) {
  return (initial: YogaInitialContext): Omit<GraphQLContext, keyof YogaInitialContext> => {
    // The request's one answer: known at once (`known`) when everything was in memory, else a promise.
    let known: { caller: Caller | null } | undefined;
    let pending: Promise<Caller | null> | undefined;
    const settle = () => {
      if (known || pending) return;
      const answer = services.auth.resolve(initial.request.headers.get('authorization'));
      if (answer instanceof Promise) pending = answer;
      else known = { caller: answer };
    };
    const authenticate = () => {
      settle();
      pending ??= Promise.resolve(known!.caller);
      return pending;
    };
    return {
      services,
      clientAddress: clientAddress(initial.request, initial, services.config.trustProxy),
      receivedAt: Date.now(),
      authenticate,
      knownCaller: () => {
        settle();
        return known?.caller;
      },
      emailVerificationRequired: services.config.mail.verificationRequired,
      viewer: () =>
        authenticate().catch((e: unknown) => {
          if (isAuthenticationFailure(e)) return null;
          throw e;
        }),
    };
  };
}
