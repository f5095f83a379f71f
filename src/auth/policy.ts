import type { Role } from '../db/entities/user.js';
import type { Authenticates, Caller } from './caller.js';
import { forbidden, reauthenticationRequired, unauthenticated } from '../errors.js';
import { isRecentSignIn } from './authenticate.js';

/** Each role includes the ones ranked below it. */
const RANK: Record<Role, number> = { USER: 1, ADMIN: 2 };

export function hasRole(caller: Pick<Caller, 'role'>, requires: Role): boolean {
  return RANK[caller.role] >= RANK[requires];
}

/**
 * The whole rule behind `@auth(requires:)`: no caller is UNAUTHENTICATED, too low a role is
 * FORBIDDEN. Plain, so tests and non-directive code (e.g. field-level visibility) call it directly.
 */
export function requireRole(caller: Caller | null, requires: Role): Caller {
  if (!caller) throw unauthenticated('missing');
  if (!hasRole(caller, requires)) throw forbidden(`This requires the ${requires} role`);
  return caller;
}

/**
 * Step-up, the rule behind `@auth(maxAge:)`: the caller must have proven their factors within
 * `maxAge` seconds, or the answer is FORBIDDEN with reason REAUTHENTICATION_REQUIRED (the token
 * is fine; `reauthenticate` gives a fresh one). A token kept alive by refresh for weeks is
 * still a weeks-old sign-in.
 */
export function requireRecentSignIn(caller: Caller, maxAge: number | undefined, now = Date.now()): Caller {
  if (maxAge !== undefined && !isRecentSignIn(caller.claims, maxAge, now)) throw reauthenticationRequired(maxAge);
  return caller;
}

/** What a field's `@auth` asks for. */
export interface AuthPolicy {
  requires: Role;
  /** Seconds since the sign-in, at most; undefined: any age. */
  maxAge?: number;
}

/** Authenticates the request (once, memoised in the context) and applies the rule. */
export async function requireAuth(context: Authenticates, policy: Role | AuthPolicy): Promise<Caller> {
  const { requires, maxAge } = typeof policy === 'string' ? { requires: policy, maxAge: undefined } : policy;
  return requireRecentSignIn(requireRole(await context.authenticate(), requires), maxAge);
}
