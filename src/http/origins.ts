/**
 * Whether a browser origin may call the API with its credentials: one answer for CORS and for the
 * refresh cookie. The server's own origin always may; others only when CORS_ORIGINS lists them
 * (or is `*`).
 */
export function isAllowedOrigin(origin: string, allowed: readonly string[] | '*', request?: Request): boolean {
  if (request && origin === new URL(request.url).origin) return true;
  return allowed === '*' || allowed.includes(origin);
}
