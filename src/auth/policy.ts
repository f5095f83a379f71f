import type { Role } from '../db/entities/user.js';
import type { Authenticates, Caller } from './caller.js';
import { forbidden, forbiddenBecause, reauthenticationRequired, unauthenticated } from '../errors.js';
import { isRecentSignIn } from './authenticate.js';
import type { AuthRule } from './requirement.js';

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

/**
 * With EMAIL_VERIFICATION_REQUIRED, an account whose address is unproven may use only the fields
 * marked `@auth(allowUnverified: true)`; everything else is FORBIDDEN with a reason it can act on.
 */
export function requireVerified(caller: Caller, required: boolean, allowUnverified: boolean): Caller {
  if (required && !allowUnverified && !caller.user.emailVerifiedAt)
    throw forbiddenBecause(
      'EMAIL_NOT_VERIFIED',
      'Confirm your e-mail address first: open the link we mailed you (resendVerificationEmail sends a new one)',
    );
  return caller;
}

/** The field's whole rule, on the request's caller (or null: no token). Throws the refusal. */
function applyRule(context: Authenticates, found: Caller | null, rule: AuthRule): Caller {
  const caller = requireRole(found, rule.requires);
  requireVerified(caller, context.emailVerificationRequired === true, rule.allowUnverified);
  // The role and the address first: a USER gets FORBIDDEN for the role on an admin field, however fresh.
  return requireRecentSignIn(caller, rule.maxAge);
}

/** Authenticates the request (once, memoised in the context) and applies the field's rule. */
export async function requireAuth(context: Authenticates, rule: AuthRule): Promise<Caller> {
  return applyRule(context, await context.authenticate(), rule);
}

/**
 * requireAuth without waiting, when the context already knows the caller (Authenticates
 * knownCaller): the caller, or a thrown refusal. undefined: only requireAuth can tell.
 */
export function requireAuthNow(context: Authenticates, rule: AuthRule): Caller | undefined {
  const known = context.knownCaller?.();
  return known === undefined ? undefined : applyRule(context, known, rule);
}
