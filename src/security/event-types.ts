/**
 * Every security-log event type, in one place. A feature that records a new kind of event adds
 * its name here and to the description of `SecurityEvent.type` (schema/security.graphql, which
 * test/security-center.test.ts holds to this list) and a readable name to the web example's
 * examples/web/src/event-labels.ts (test/browser/web-security.test.ts), and calls
 * `services.securityLog.record(type, { userId, ctx })`. The field is a String, not an enum, so a
 * new name breaks no client.
 */
export const SECURITY_EVENT_TYPES = [
  // Accounts and sign-in (src/users/accounts.ts)
  'SIGNED_UP',
  'LOGIN_SUCCEEDED',
  /**
   * A failed sign-in aimed at this existing account (never recorded for an unknown address): a
   * wrong password, a passkey that did not verify, a wrong code at `verifyLogin`, which says
   * `details: { method: 'password+totp', passwordCorrect: true }` (whoever tried had the password),
   * or a wrong code at `resetPassword`, `details: { method: 'reset-link+totp' }` (whoever tried had
   * a valid reset link).
   */
  'LOGIN_FAILED',
  /**
   * Sign-in attempts for this account (a password, a passkey, or a code at `verifyLogin` or `resetPassword`) were
   * refused by the login throttle: once per account per throttle window.
   */
  'LOGIN_THROTTLED',
  /** `changePassword`: in the new session it starts for the device that made the change (every other ended). */
  'PASSWORD_CHANGED',
  /** `details.role`: the new role; `details.by`: the administrator's id. */
  'ROLE_CHANGED',
  // Sessions (src/auth/sessions.ts, src/users/accounts.ts)
  /** `logout`: the session it happened in ended. */
  'LOGGED_OUT',
  /** `revokeSession`: `details.revokedSessionId` names the session that ended. */
  'SESSION_REVOKED',
  /** `revokeOtherSessions`: `details.count` sessions ended. */
  'OTHER_SESSIONS_REVOKED',
  'LOGGED_OUT_EVERYWHERE',
  /** A rotated refresh token came back: its session was revoked (a copy of the token exists). */
  'REFRESH_TOKEN_REUSE_DETECTED',
  'DATA_EXPORTED',
  // Mail links (src/users/recovery.ts, src/users/verification.ts)
  'PASSWORD_RESET_REQUESTED',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'EMAIL_CHANGED',
  // Second factor (src/users/second-factor.ts); an administrator's resetUserTotp is MFA_DISABLED with `details.by`.
  'MFA_ENABLED',
  'MFA_DISABLED',
  'RECOVERY_CODE_USED',
  // Passkeys (issue 19, src/users/passkeys.ts): `details.passkeyId` names the passkey.
  'PASSKEY_ADDED',
  'PASSKEY_REMOVED',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];
