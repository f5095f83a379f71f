import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN } from './helpers/app.js';
import { startHttpApp, type HttpTestApp } from './helpers/http.js';
import { decodeJwt } from './helpers/jwt.js';
import { REQUEST_RESET } from './helpers/mail-ops.js';
import { startSmtp, tokenIn, type TestSmtp } from './helpers/smtp.js';
import { enrolTotp, nextCode } from './helpers/totp.js';

// resetPassword for an account with TOTP on: the mailed link alone does not sign in.
let smtp: TestSmtp;
let server: HttpTestApp;
beforeAll(async () => {
  smtp = await startSmtp();
  server = await startHttpApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Accounts <accounts@acme.test>' } });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

const RESET_WITH_CODE = /* GraphQL */ `
  mutation($token: String!, $pw: String!, $code: String) {
    resetPassword(token: $token, newPassword: $pw, code: $code) { token user { id } }
  }
`;

async function resetToken(email: string): Promise<string> {
  await server.app.gql(REQUEST_RESET, { email });
  await server.app.services.background.idle();
  const mail = await smtp.waitFor((m) => m.to === email && m.subject.includes('Reset'));
  return tokenIn(mail, '/reset-password');
}

describe('resetPassword with a second factor', () => {
  it('without the code answers MFA_REQUIRED and changes nothing; with a wrong one UNAUTHENTICATED; with it, signs in', async () => {
    const user = await enrolTotp(server.app);
    const token = await resetToken(user.email);
    const pw = 'a completely new passphrase';

    const without = await server.app.gql(RESET_WITH_CODE, { token, pw });
    expect(without.body.errors![0]!.extensions).toEqual({ code: 'MFA_REQUIRED' });
    expect(without.body.data).toBeNull();
    // Nothing changed: the old password still signs in (to the code step), the new one does not.
    expect((await server.app.gql(LOGIN, { email: user.email, password: user.password })).code).toBe('MFA_REQUIRED');
    expect((await server.app.gql(LOGIN, { email: user.email, password: pw })).code).toBe('UNAUTHENTICATED');

    const wrong = await server.app.gql(RESET_WITH_CODE, { token, pw, code: '12345' });
    expect(wrong.body.errors![0]).toMatchObject({ message: 'Invalid code', extensions: { code: 'UNAUTHENTICATED' } });

    // The link is still good: the right code finishes the reset, a two-factor sign-in.
    const ok = await server.app.gql(RESET_WITH_CODE, { token, pw, code: nextCode(user.secret) });
    expect(decodeJwt(ok.body.data!.resetPassword.token).claims.amr).toEqual(['pwd', 'otp']);
    expect((await server.app.gql(LOGIN, { email: user.email, password: pw })).code).toBe('MFA_REQUIRED');
  });

  it('a recovery code works too', async () => {
    const user = await enrolTotp(server.app);
    const token = await resetToken(user.email);
    const ok = await server.app.gql(RESET_WITH_CODE, {
      token,
      pw: 'another new passphrase',
      code: user.recoveryCodes[0],
    });
    expect(ok.body.data!.resetPassword.user.id).toBe(user.id);
  });
});
