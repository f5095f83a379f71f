import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { LoginMutation, ReauthenticateMutation, VerifyLoginMutation } from './operations.js';
import type { AuthSession, GraphQLErrorLike } from './session.js';

/**
 * The two flows a second factor adds to a client, written once for Apollo and urql: each passes
 * its own `Mutate` (see apolloMutate / urqlMutate), and the UI passes how it asks the user.
 *
 * - Sign-in: `login` answers MFA_REQUIRED with `extensions.challenge`; ask for the code and send
 *   both to `verifyLogin`.
 * - Step-up: a field marked `@auth(maxAge:)` answers FORBIDDEN with reason
 *   REAUTHENTICATION_REQUIRED when the sign-in is older; ask for the password (and code), call
 *   `reauthenticate`, keep its token and run the operation once more.
 */

export interface MutateResult<T> {
  data: T | null | undefined;
  errors: ReadonlyArray<GraphQLErrorLike>;
}

/** One mutation through the app's client, errors returned rather than thrown. */
export type Mutate = <T, V extends Record<string, unknown>>(
  doc: TypedDocumentNode<T, V>,
  variables: V,
) => Promise<MutateResult<T>>;

/** The challenge of a login that needs the second factor, or null. */
export function mfaChallenge(errors: ReadonlyArray<GraphQLErrorLike> | undefined): string | null {
  const e = (errors ?? []).find((x) => x.extensions?.code === 'MFA_REQUIRED');
  const challenge = e?.extensions?.challenge;
  return typeof challenge === 'string' ? challenge : null;
}

/** True when a step-up field refused an old sign-in. */
export function needsReauthentication(errors: ReadonlyArray<GraphQLErrorLike> | undefined): boolean {
  return (errors ?? []).some(
    (e) => e.extensions?.code === 'FORBIDDEN' && e.extensions?.reason === 'REAUTHENTICATION_REQUIRED',
  );
}

export class SignInError extends Error {
  constructor(readonly errors: ReadonlyArray<GraphQLErrorLike>) {
    super(errors[0]?.message ?? 'Sign-in failed');
    this.name = 'SignInError';
  }
}

/**
 * Password, then (when the account has TOTP on) the code from `askCode`; keeps the tokens in
 * `session`. `askCode` is called again after a wrong code until the challenge is locked.
 */
export async function signInWithSecondFactor(
  mutate: Mutate,
  session: AuthSession,
  credentials: { email: string; password: string },
  askCode: (attempt: number) => Promise<string>,
): Promise<void> {
  const login = await mutate(LoginMutation, credentials);
  if (login.data?.login) return session.signIn(login.data.login.token, login.data.login.refreshToken);
  const challenge = mfaChallenge(login.errors);
  if (!challenge) throw new SignInError(login.errors);
  for (let attempt = 1; ; attempt++) {
    const verified = await mutate(VerifyLoginMutation, { challenge, code: await askCode(attempt) });
    const payload = verified.data?.verifyLogin;
    if (payload) return session.signIn(payload.token, payload.refreshToken);
    // A wrong code may be typed again; a locked or expired challenge (reason set) or
    // RATE_LIMITED means starting over.
    const e = verified.errors[0];
    if (e?.extensions?.code !== 'UNAUTHENTICATED' || e.extensions.reason) throw new SignInError(verified.errors);
  }
}

/**
 * Runs `operation`; when it answers REAUTHENTICATION_REQUIRED, asks for the password (and, after
 * MFA_REQUIRED, the code too), calls `reauthenticate`, keeps the fresh token and runs it once more.
 */
export async function withStepUp<T>(
  mutate: Mutate,
  session: AuthSession,
  operation: () => Promise<MutateResult<T>>,
  ask: (needsCode: boolean) => Promise<{ password: string; code?: string }>,
): Promise<MutateResult<T>> {
  const first = await operation();
  if (!needsReauthentication(first.errors)) return first;
  let needsCode = false;
  for (;;) {
    const { password, code } = await ask(needsCode);
    const res = await mutate(ReauthenticateMutation, { password, code: code ?? null });
    if (res.data?.reauthenticate) {
      session.signIn(res.data.reauthenticate.token, res.data.reauthenticate.refreshToken);
      return operation();
    }
    if (res.errors[0]?.extensions?.code === 'MFA_REQUIRED' && !needsCode) needsCode = true;
    else throw new SignInError(res.errors);
  }
}
