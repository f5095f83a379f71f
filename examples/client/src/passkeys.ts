import {
  FinishPasskeyLoginMutation,
  FinishPasskeyRegistrationMutation,
  RemovePasskeyMutation,
  StartPasskeyLoginMutation,
  StartPasskeyRegistrationMutation,
} from './operations.js';
import { type Mutate, type MutateResult, SignInError, withStepUp } from './second-factor.js';
import type { AuthSession } from './session.js';

/**
 * Passkeys (WebAuthn), written once for Apollo and urql like second-factor.ts: each passes its own
 * `Mutate`, and the page passes the browser's half of the ceremony. With @simplewebauthn/browser:
 *
 *   register:     (optionsJSON) => startRegistration({ optionsJSON })
 *   authenticate: (optionsJSON) => startAuthentication({ optionsJSON })
 *
 * so this package has no DOM code and no WebAuthn library of its own. The options and responses
 * travel as the contract's `JSON` scalar (the WebAuthn Level 3 toJSON() forms) untouched.
 *
 * - Sign-in: `startPasskeyLogin(email)` (no email: any passkey on the device for this site, a
 *   discoverable credential) -> the authenticator -> `finishPasskeyLogin(response)`, whose
 *   AuthPayload is kept exactly as login's is (`session.signIn(token, refreshToken)`).
 * - Adding and removing are step-up operations (`@auth(maxAge: 600)`): an older sign-in answers
 *   REAUTHENTICATION_REQUIRED, and `withStepUp` asks for the password (and code) first.
 */

/** The browser's half of a ceremony: options in, the authenticator's response out. */
export type Ceremony<Options, Response> = (optionsJSON: Options) => Promise<Response>;

/**
 * Signs in with a passkey and keeps the tokens in `session`. A refusal by the server is a
 * SignInError (its `errors` carry extensions.code); the authenticator's own failure (the user
 * closed the prompt, no passkey for this site...) is thrown as `authenticate` threw it.
 */
export async function signInWithPasskey<Options, Response>(
  mutate: Mutate,
  session: AuthSession,
  opts: { email?: string | null; authenticate: Ceremony<Options, Response> },
): Promise<void> {
  const email = opts.email?.trim() || null;
  const start = await mutate(StartPasskeyLoginMutation, { email });
  if (!start.data) throw new SignInError(start.errors);
  const response = await opts.authenticate(start.data.startPasskeyLogin as Options);
  const finish = await mutate(FinishPasskeyLoginMutation, { response });
  const payload = finish.data?.finishPasskeyLogin;
  if (!payload) throw new SignInError(finish.errors);
  session.signIn(payload.token, payload.refreshToken);
}

/**
 * Registers a new passkey for the signed-in account: startPasskeyRegistration (through step-up),
 * the authenticator, then finishPasskeyRegistration with the name. Server refusals come back in
 * `errors`; the authenticator's failure is thrown.
 */
export async function addPasskey<Options, Response>(
  mutate: Mutate,
  session: AuthSession,
  opts: {
    name?: string | null;
    register: Ceremony<Options, Response>;
    ask: (needsCode: boolean) => Promise<{ password: string; code?: string }>;
  },
) {
  const start = await withStepUp(mutate, session, () => mutate(StartPasskeyRegistrationMutation, {}), opts.ask);
  if (!start.data) return { data: null, errors: start.errors };
  const response = await opts.register(start.data.startPasskeyRegistration as Options);
  return mutate(FinishPasskeyRegistrationMutation, { response, name: opts.name?.trim() || null });
}

/** Removes one of the account's passkeys (step-up protected; NOT_FOUND for anyone else's). */
export function removePasskey(
  mutate: Mutate,
  session: AuthSession,
  id: string,
  ask: (needsCode: boolean) => Promise<{ password: string; code?: string }>,
): Promise<MutateResult<{ removePasskey: boolean }>> {
  return withStepUp(mutate, session, () => mutate(RemovePasskeyMutation, { id }), ask);
}
