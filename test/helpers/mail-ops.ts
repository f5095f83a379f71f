import type { TestApp } from './app.js';

/** The operations of the mail flows, as a client sends them. */
export const SIGNUP_WITH_REFRESH = /* GraphQL */ `
  mutation($input: SignupInput!) { signup(input: $input) { token refreshToken user { id email emailVerified } } }
`;
export const ME_VERIFIED = /* GraphQL */ `{ me { id email emailVerified } }`;
export const REQUEST_RESET = /* GraphQL */ `mutation($email: String!) { requestPasswordReset(email: $email) }`;
export const RESET = /* GraphQL */ `
  mutation($token: String!, $pw: String!) {
    resetPassword(token: $token, newPassword: $pw) { token refreshToken user { id email emailVerified } }
  }
`;
export const VERIFY = /* GraphQL */ `mutation($token: String!) { verifyEmail(token: $token) { id email emailVerified } }`;
export const RESEND = /* GraphQL */ `mutation { resendVerificationEmail }`;
export const CHANGE_EMAIL = /* GraphQL */ `
  mutation($email: String!, $pw: String!) { requestEmailChange(newEmail: $email, currentPassword: $pw) }
`;
export const REFRESH = /* GraphQL */ `mutation($rt: String) { refresh(refreshToken: $rt) { token } }`;

/** POST /graphql over real HTTP; `headers` adds to (or overrides) the request's, e.g. a User-Agent. */
export async function post<T = Record<string, any>>(
  endpoint: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  data: T | null | undefined;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
  code: string | null;
}> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: T | null;
    errors?: Array<{ message: string; extensions?: Record<string, any> }>;
  };
  return { status: res.status, data: body.data, errors: body.errors, code: body.errors?.[0]?.extensions?.code ?? null };
}

/** Moves the account's link tokens past their expiry, as TypeORM stores times on each database. */
export async function expireTokens(s: { app: TestApp }, userId: string): Promise<void> {
  const past = new Date(Date.now() - 1000);
  const value = s.app.dbKind === 'postgres' ? past : past.toISOString().replace('T', ' ').replace('Z', '');
  await s.app.query('UPDATE account_tokens SET expires_at = ? WHERE user_id = ?', [value, userId]);
}
