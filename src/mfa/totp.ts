import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as every authenticator app speaks it (RFC 6238 with the otpauth library): HMAC-SHA-1,
 * 6 digits, 30-second steps. Apps ignore other parameters in the otpauth URI often enough that
 * these are fixed rather than settings.
 */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** Steps accepted either side of now: one, for a clock a little off or a code typed as it changed. */
export const TOTP_DRIFT_STEPS = 1;

/** 160 bits, the HMAC-SHA-1 block RFC 4226 recommends. */
const SECRET_BYTES = 20;

const CODE_FORMAT = /^\d{6}$/;

/** A new random secret, base32 (what apps and the otpauth URI take). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** True for what looks like a TOTP code (six digits, spaces allowed) rather than a recovery code. */
export function looksLikeTotpCode(code: string): boolean {
  return CODE_FORMAT.test(code.replace(/\s/g, ''));
}

/**
 * The time step `code` belongs to, within one step of `now`, or null when it matches none.
 * The caller stores the step so the same code is never accepted twice (RFC 6238, 5.2).
 */
export function matchTotpStep(secretBase32: string, code: string, now = Date.now()): number | null {
  const token = code.replace(/\s/g, '');
  if (!CODE_FORMAT.test(token)) return null;
  const secret = Secret.fromBase32(secretBase32);
  // otpauth compares in constant time and returns the delta of the matching step.
  const delta = TOTP.validate({ token, secret, ...TOTP_PARAMS, timestamp: now, window: TOTP_DRIFT_STEPS });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PARAMS.period, timestamp: now }) + delta;
}

/** The current code: for tests and tooling, never sent by the server. */
export function totpCode(secretBase32: string, now = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMS, timestamp: now });
}

/** The otpauth:// URI an app imports (Key URI Format): issuer and account shown by the app. */
export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMS }).toString();
}

/**
 * The URI as a QR code, an SVG document the client can inline or show as an image. qrcode (and
 * its PNG encoder) loads on the first setupTotp rather than at every start.
 */
export async function qrCodeSvg(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
