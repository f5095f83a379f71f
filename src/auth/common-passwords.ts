/**
 * NIST SP 800-63B §3.1.1.2: a new password is checked against values known to be commonly used,
 * expected or compromised. The list is zxcvbn-ts's (`@zxcvbn-ts/language-common`, about 49,000
 * of the most frequent passwords in public breach corpora, maintained with the estimator);
 * compared without regard to case, since `Password123` is as common as `password123`.
 * Loaded on the first new password, not at start (a 1 MB module).
 */
let common: Promise<ReadonlySet<string>> | undefined;

export async function isCommonPassword(password: string): Promise<boolean> {
  common ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common']));
  return (await common).has(password.toLowerCase());
}
