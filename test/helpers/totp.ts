import { totpCode } from '../../src/mfa/totp.js';
import type { TestApp } from './app.js';

export const SETUP_TOTP = /* GraphQL */ `
  mutation Setup($p: String!) { setupTotp(currentPassword: $p) { secret otpauthUri qrCodeSvg } }
`;
export const CONFIRM_TOTP = /* GraphQL */ `mutation Confirm($code: String!) { confirmTotp(code: $code) }`;
export const VERIFY_LOGIN = /* GraphQL */ `
  mutation Verify($challenge: String!, $code: String!) {
    verifyLogin(challenge: $challenge, code: $code) { token refreshToken user { id email totpEnabled } }
  }
`;
export const REAUTHENTICATE = /* GraphQL */ `
  mutation Reauth($password: String!, $code: String) {
    reauthenticate(password: $password, code: $code) { token refreshToken }
  }
`;
export const DISABLE_TOTP = /* GraphQL */ `mutation Disable($code: String!) { disableTotp(code: $code) }`;

/** The code an authenticator app shows now, computed from the secret the API returned. */
export const codeNow = (secret: string) => totpCode(secret);
/**
 * The next step's code: still inside the one step of drift the server allows, and never the
 * step a code was just accepted for (each is accepted once).
 */
export const nextCode = (secret: string) => totpCode(secret, Date.now() + 30_000);

export interface EnrolledUser {
  id: string;
  email: string;
  password: string;
  /** The signup token: a fresh sign-in, so step-up fields accept it. */
  token: string;
  secret: string;
  recoveryCodes: string[];
}

/** Signs up and turns TOTP on through the API, as a user with an authenticator app would. */
export async function enrolTotp(app: TestApp): Promise<EnrolledUser> {
  const user = await app.signup();
  const setup = await app.gql(SETUP_TOTP, { p: user.password }, { token: user.token });
  const secret = setup.body.data?.setupTotp?.secret as string | undefined;
  if (!secret) throw new Error(`setupTotp failed: ${JSON.stringify(setup.body)}`);
  const confirm = await app.gql(CONFIRM_TOTP, { code: codeNow(secret) }, { token: user.token });
  const recoveryCodes = confirm.body.data?.confirmTotp as string[] | undefined;
  if (!recoveryCodes) throw new Error(`confirmTotp failed: ${JSON.stringify(confirm.body)}`);
  return { ...user, secret, recoveryCodes };
}

/** Login with the password; for a TOTP account, the challenge from MFA_REQUIRED. */
export async function loginChallenge(app: TestApp, email: string, password: string): Promise<string> {
  const res = await app.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
    e: email,
    p: password,
  });
  const challenge = res.body.errors?.[0]?.extensions?.challenge;
  if (res.code !== 'MFA_REQUIRED' || typeof challenge !== 'string') {
    throw new Error(`expected MFA_REQUIRED: ${JSON.stringify(res.body)}`);
  }
  return challenge;
}
