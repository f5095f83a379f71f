import { isIP } from 'node:net';
import { z } from 'zod';
import { list, optionalText, setting } from './define.js';
import type { SettingIssue } from './load.js';

/**
 * The passkey (WebAuthn) relying party: which domain passkeys are bound to (the RP id), which page
 * origins a ceremony may come from, and the name authenticators show. A browser binds each passkey
 * to the RP id and signs the page's origin into every ceremony, so a look-alike site gets nothing
 * it can replay here: these settings are what makes passkeys phishing-resistant.
 */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A domain name (not an IP address, no port, no scheme): what WebAuthn takes as an RP id. */
export function isDomain(host: string): boolean {
  return (
    host.length <= 253 && isIP(host) === 0 && !/^[\d.]+$/.test(host) && host.split('.').every((l) => LABEL.test(l))
  );
}

/** `rpId` is `host` itself or a parent domain of it (`example.com` for `app.example.com`). */
export function hostFitsRpId(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

const rpIdSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(
    z.string().refine(isDomain, {
      error: 'must be a domain name such as example.com or localhost (no scheme, port or path; not an IP address)',
    }),
  );

const webauthnOrigin = z.string().transform((raw, ctx) => {
  const o = raw.replace(/\/+$/, '');
  const u = URL.canParse(o) ? new URL(o) : undefined;
  if (!u || !/^https?:$/.test(u.protocol) || u.pathname !== '/' || u.search || u.hash || u.username) {
    ctx.addIssue({
      code: 'custom',
      message: 'entries must be origins like https://app.example.com (scheme, host, optional port; no path)',
    });
    return z.NEVER;
  }
  return u.origin;
});

export const webauthnSettings = {
  rpId: setting<string | undefined>('WEBAUTHN_RP_ID', {
    description:
      "the passkey relying party id: the domain passkeys are bound to. It must be the host of the pages that run the ceremonies, or a domain that host ends with (`example.com` serves `app.example.com` and `login.example.com`). Changing it later orphans every passkey registered before. Production refuses one that does not fit APP_URL's host",
    allowed: 'domain name',
    schema: rpIdSchema,
    default: () => undefined,
    defaultText: 'the host of `APP_URL`, or `localhost`',
    example: 'WEBAUTHN_RP_ID=example.com',
  }),
  origins: setting<string[] | undefined>('WEBAUTHN_ORIGINS', {
    description:
      'the page origins a passkey ceremony may come from (the origin the browser signs into it); each must be https (http only for localhost) with a host that fits WEBAUTHN_RP_ID, which production checks at start',
    allowed: 'comma-separated origins',
    schema: list(webauthnOrigin).pipe(z.array(z.string()).min(1, { error: 'needs at least one origin' })),
    default: () => undefined,
    defaultText: "`APP_URL`'s origin and `http://localhost:<PORT>` (the port the server listens on)",
    example: 'WEBAUTHN_ORIGINS=https://app.example.com',
  }),
  rpName: optionalText('WEBAUTHN_RP_NAME', {
    description: 'the name an authenticator shows beside the account when a passkey is created',
    defaultText: '`PRODUCT_NAME`',
    example: 'WEBAUTHN_RP_NAME=',
  }),
};

/** The relying party as the server uses it. */
export interface WebauthnConfig {
  rpId: string;
  rpName: string;
  /** WEBAUTHN_ORIGINS; undefined: APP_URL's origin and this server's own (src/passkeys/relying-party.ts). */
  origins: string[] | undefined;
}

interface Inputs {
  webauthn: { rpId: string | undefined; origins: string[] | undefined; rpName: string | undefined };
  mail: { appUrl: string | undefined; productName: string };
}

export function resolveWebauthn(c: Inputs): WebauthnConfig {
  const appHost = c.mail.appUrl ? new URL(c.mail.appUrl).hostname.toLowerCase() : undefined;
  return {
    rpId: c.webauthn.rpId ?? appHost ?? 'localhost',
    rpName: c.webauthn.rpName ?? c.mail.productName,
    origins: c.webauthn.origins,
  };
}

/**
 * Production: an RP id or origin that cannot work is a start-up error, not a sign-in that fails
 * later in every browser. (The public-suffix list is not consulted: an RP id such as `co.uk` that
 * passes here is still refused by every browser, so it fails closed.)
 */
export function webauthnRule(c: Inputs, production: boolean): SettingIssue | undefined {
  if (!production) return undefined;
  const { rpId } = resolveWebauthn(c);
  const explicit = c.webauthn.rpId !== undefined;
  const which = explicit ? 'WEBAUTHN_RP_ID' : 'APP_URL';
  if (!isDomain(rpId))
    return {
      setting: which,
      message: `gives the passkey RP id "${rpId}", which is not a domain name: WebAuthn binds passkeys to a domain (not an IP address); set APP_URL to the https URL of your site, or WEBAUTHN_RP_ID`,
    };
  if (!rpId.includes('.') && rpId !== 'localhost')
    return {
      setting: which,
      message: `gives the passkey RP id "${rpId}", a top-level domain: browsers refuse it; use your site's domain, e.g. example.com`,
    };
  if (c.mail.appUrl) {
    const host = new URL(c.mail.appUrl).hostname.toLowerCase();
    if (!hostFitsRpId(host, rpId))
      return {
        setting: 'WEBAUTHN_RP_ID',
        message: `is "${rpId}", which does not fit APP_URL's host "${host}": the RP id must be that host or a domain it ends with (e.g. ${host.split('.').slice(-2).join('.')}), or browsers on APP_URL refuse every passkey`,
      };
  }
  for (const origin of c.webauthn.origins ?? []) {
    const u = new URL(origin);
    if (!hostFitsRpId(u.hostname, rpId))
      return {
        setting: 'WEBAUTHN_ORIGINS',
        message: `holds ${origin}, whose host does not fit the RP id "${rpId}": browsers there cannot use passkeys bound to ${rpId} (the host must be ${rpId} or end with .${rpId})`,
      };
    if (u.protocol !== 'https:' && u.hostname !== 'localhost')
      return {
        setting: 'WEBAUTHN_ORIGINS',
        message: `holds ${origin}: browsers offer passkeys only on https pages (and http://localhost)`,
      };
  }
  return undefined;
}
