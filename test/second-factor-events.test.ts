import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { DISABLE_TOTP, enrolTotp, loginChallenge, nextCode, VERIFY_LOGIN } from './helpers/totp.js';

// The second factor's events in the security log (issue 17's log, issue 18's feature).
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

const EVENTS = /* GraphQL */ `{ securityEvents(first: 20) { nodes { type } } }`;

async function eventTypes(token: string): Promise<string[]> {
  await app.services.securityLog.settled();
  const res = await app.gql(EVENTS, {}, { token });
  return res.body.data!.securityEvents.nodes.map((n: { type: string }) => n.type);
}

describe('the security log records the second factor', () => {
  it('MFA_ENABLED on confirm, RECOVERY_CODE_USED and LOGIN_SUCCEEDED on a recovery-code sign-in, MFA_DISABLED on disable', async () => {
    const user = await enrolTotp(app);
    expect(await eventTypes(user.token)).toContain('MFA_ENABLED');

    const challenge = await loginChallenge(app, user.email, user.password);
    const signedIn = await app.gql(VERIFY_LOGIN, { challenge, code: user.recoveryCodes[0] });
    const token = signedIn.body.data!.verifyLogin.token as string;
    const afterLogin = await eventTypes(token);
    expect(afterLogin).toContain('RECOVERY_CODE_USED');
    expect(afterLogin.filter((t) => t === 'LOGIN_SUCCEEDED')).toHaveLength(1);

    const off = await app.gql(DISABLE_TOTP, { code: nextCode(user.secret) }, { token });
    expect(off.body.data?.disableTotp, JSON.stringify(off.body)).toBe(true);
    expect((await eventTypes(token))[0]).toBe('MFA_DISABLED');
  });
});
