import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Services } from '../services.js';

/**
 * Every sign-in step, counted by outcome in one place (auth_logins_total): `login`, the
 * `verifyLogin` that follows its `mfa_required`, and `finishPasskeyLogin`. A right password on
 * an account with TOTP on is neither a failure nor an error: the sign-in goes on at verifyLogin,
 * which counts its own outcome. The step's answer and errors pass through unchanged.
 */
export async function countedSignIn<T>(services: Pick<Services, 'metrics'>, step: () => Promise<T>): Promise<T> {
  try {
    const session = await step();
    services.metrics.logins.inc({ outcome: 'success' });
    return session;
  } catch (e) {
    services.metrics.logins.inc({ outcome: outcomeOf(e) });
    throw e;
  }
}

function outcomeOf(e: unknown): string {
  const code = e instanceof GraphQLError ? e.extensions.code : undefined;
  // A malformed passkey response is the client's, like a wrong credential.
  if (code === ErrorCode.UNAUTHENTICATED || code === ErrorCode.BAD_USER_INPUT) return 'invalid_credentials';
  if (code === ErrorCode.RATE_LIMITED) return 'rate_limited';
  if (code === ErrorCode.MFA_REQUIRED) return 'mfa_required';
  return 'error';
}
