/**
 * The base of every mailed link. APP_URL when set (a frontend that handles /reset-password and
 * /verify-email); otherwise this server's own URL, learnt when it starts listening. Never the
 * request's Host header: that is the client's to choose, and a reset link built from it would
 * carry the token to an attacker's host (password-reset poisoning).
 */
export interface Links {
  base(): string;
  /** Called by whatever listens, with the origin it listens on (e.g. http://localhost:4000). */
  setServerOrigin(origin: string): void;
  resetPassword(token: string): string;
  verifyEmail(token: string): string;
}

export function createLinks(appUrl: string | undefined, fallbackOrigin: string): Links {
  let serverOrigin = fallbackOrigin;
  const base = () => appUrl ?? serverOrigin;
  const link = (path: string, token: string) => `${base()}${path}?token=${encodeURIComponent(token)}`;
  return {
    base,
    setServerOrigin(origin) {
      serverOrigin = origin.replace(/\/+$/, '');
    },
    resetPassword: (token) => link('/reset-password', token),
    verifyEmail: (token) => link('/verify-email', token),
  };
}
