import type { Role } from '../db/entities/user.js';
import type { Authenticates, Caller } from './caller.js';
import { forbidden, forbiddenBecause, unauthenticated } from '../errors.js';
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

/** Authenticates the request (once, memoised in the context) and applies the field's rule. */
export async function requireAuth(context: Authenticates, rule: AuthRule): Promise<Caller> {
  const caller = requireRole(await context.authenticate(), rule.requires);
  return requireVerified(caller, context.emailVerificationRequired === true, rule.allowUnverified);
}
