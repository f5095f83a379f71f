/**
 * Readable names for the security log's event types. The server lists every type it records in
 * src/security/event-types.ts and in `SecurityEvent.type`'s description, and
 * test/security-center.test.ts holds this list to that one. `type` is a String, not an enum: a
 * name this page does not know yet (from a newer server) is shown as it is.
 *
 * No DOM here, so the API's tests can import it.
 */
const LABELS = new Map<string, string>([
  ['SIGNED_UP', 'Account created'],
  ['LOGIN_SUCCEEDED', 'Signed in'],
  // A wrong password, a passkey that did not verify, or a wrong two-factor code (at sign-in or reset).
  ['LOGIN_FAILED', 'Failed sign-in attempt'],
  ['LOGIN_THROTTLED', 'Sign-in attempts blocked (too many)'],
  ['PASSWORD_CHANGED', 'Password changed (other devices signed out)'],
  ['ROLE_CHANGED', 'Role changed by an administrator'],
  ['LOGGED_OUT', 'Signed out'],
  ['SESSION_REVOKED', 'A device was signed out'],
  ['OTHER_SESSIONS_REVOKED', 'Other devices were signed out'],
  ['LOGGED_OUT_EVERYWHERE', 'Signed out everywhere'],
  // A replay ends the session; two tabs refreshing at once are refused once and the session goes on.
  ['REFRESH_TOKEN_REUSE_DETECTED', 'A reused sign-in token was refused'],
  ['DATA_EXPORTED', 'Account data exported'],
  ['PASSWORD_RESET_REQUESTED', 'Password reset link e-mailed'],
  ['PASSWORD_RESET', 'Password reset by e-mail link (all devices signed out)'],
  ['EMAIL_VERIFIED', 'E-mail address confirmed'],
  ['EMAIL_CHANGED', 'E-mail address changed'],
  ['MFA_ENABLED', 'Two-factor sign-in turned on'],
  // Also when an administrator turns it off for an owner who lost their device and codes.
  ['MFA_DISABLED', 'Two-factor sign-in turned off'],
  ['RECOVERY_CODE_USED', 'Recovery code used'],
  ['PASSKEY_ADDED', 'Passkey added'],
  ['PASSKEY_REMOVED', 'Passkey removed'],
]);

/** Every type this page has a name for. */
export const LABELLED_EVENT_TYPES: readonly string[] = [...LABELS.keys()];

/**
 * The readable name of an event type; an unknown one as it is. A Map rather than an object, so
 * a type such as "constructor" or "__proto__" finds no inherited property.
 */
export function eventLabel(type: string): string {
  return LABELS.get(type) ?? type;
}
