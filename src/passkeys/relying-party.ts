import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import type { JwtConfig, WebauthnConfig } from '../config.js';
import type { PasskeyEntity } from '../db/entities/passkey.js';
import type { PasskeyStore } from '../db/passkey-store.js';

/**
 * The WebAuthn relying party: ceremony options, their challenges, and the checks of what the
 * authenticator answered, all through @simplewebauthn/server (no CBOR or signature code of our
 * own). Knows nothing of accounts, throttling or tokens: src/users/passkeys.ts puts those around it.
 */

type WebAuthn = typeof import('@simplewebauthn/server');
let webauthn: Promise<WebAuthn> | undefined;

/**
 * @simplewebauthn/server, loaded on first use: with its ASN.1 and X.509 dependencies it is some
 * sixty modules, about a tenth of a second of a start that does not need them. start.ts also
 * loads it just after the server listens, so the first ceremony does not wait either.
 */
export function loadWebAuthn(): Promise<WebAuthn> {
  webauthn ??= import('@simplewebauthn/server');
  return webauthn;
}

/** Offered at registration, most preferred first: ES256 (every authenticator), EdDSA, RS256 (Windows Hello). */
export const PASSKEY_ALGORITHMS = [-7, -8, -257];

/** How long a ceremony may take in the browser, and how long its challenge stays valid here. */
const CEREMONY_TIMEOUT_MS = 5 * 60 * 1000;
const CHALLENGE_TTL_MS = CEREMONY_TIMEOUT_MS;
/** The share of new challenges that also delete the expired ones. */
const SWEEP_CHANCE = 1 / 100;

const B64URL = /^[A-Za-z0-9_-]+$/;
const CHALLENGE_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const b64url = (max: number) => z.string().min(1).max(max).regex(B64URL, { error: 'must be base64url' });

/** A response that is not the WebAuthn JSON shape at all: BAD_USER_INPUT, not a failed ceremony. */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/** A response of the right shape that does not verify (origin, RP id, challenge, signature, counter...). */
export class CeremonyFailedError extends Error {
  override name = 'CeremonyFailedError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

const common = {
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  clientExtensionResults: z.looseObject({}).optional().default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

const registrationShape = z.looseObject({
  ...common,
  response: z.looseObject({
    clientDataJSON: b64url(16_384),
    attestationObject: b64url(65_536),
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
});

const authenticationShape = z.looseObject({
  ...common,
  response: z.looseObject({
    clientDataJSON: b64url(16_384),
    authenticatorData: b64url(16_384),
    signature: b64url(4096),
    userHandle: b64url(128).optional(),
  }),
});

/** The challenge the browser signed into clientDataJSON; MalformedResponseError if there is none. */
function challengeOf(clientDataJSON: string): string {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    throw new MalformedResponseError('response.clientDataJSON is not base64url-encoded JSON');
  }
  const challenge = (data as { challenge?: unknown } | null)?.challenge;
  if (typeof challenge !== 'string') throw new MalformedResponseError('response.clientDataJSON has no challenge');
  return challenge;
}

function parse<T>(shape: z.ZodType<T>, raw: unknown): T {
  const r = shape.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new MalformedResponseError(`${first.path.join('.') || 'response'}: ${first.message}`);
  }
  return r.data;
}

export function parseRegistrationResponse(raw: unknown): RegistrationResponseJSON {
  const r = parse(registrationShape, raw);
  challengeOf(r.response.clientDataJSON);
  return r as unknown as RegistrationResponseJSON;
}

export function parseAuthenticationResponse(raw: unknown): AuthenticationResponseJSON {
  const r = parse(authenticationShape, raw);
  challengeOf(r.response.clientDataJSON);
  return r as unknown as AuthenticationResponseJSON;
}

const hashChallenge = (challenge: string) => createHash('sha256').update(challenge).digest('hex');

export function transportsOf(p: Pick<PasskeyEntity, 'transports'>): AuthenticatorTransport[] {
  return (p.transports ? p.transports.split(',') : []) as AuthenticatorTransport[];
}

/** What a verified registration gives to store. */
export interface NewCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string;
  backupEligible: boolean;
  backedUp: boolean;
  aaguid: string;
  userVerified: boolean;
}

/** What a verified assertion says. */
export interface VerifiedAssertion {
  newCounter: number;
  userVerified: boolean;
  backedUp: boolean;
}

export interface RelyingParty {
  readonly rpId: string;
  /** The origins ceremonies may come from now (WEBAUTHN_ORIGINS, or the defaults). */
  origins(): string[];
  /** Called by whatever listens, with the origin it listens on: the default origins follow its port. */
  setServerOrigin(origin: string): void;
  registrationOptions(input: {
    userId: string;
    handle: string;
    userName: string;
    displayName: string;
    exclude: PasskeyEntity[];
  }): Promise<PublicKeyCredentialCreationOptionsJSON>;
  verifyRegistration(userId: string, response: RegistrationResponseJSON): Promise<NewCredential>;
  authenticationOptions(
    allow: Array<{ id: string; transports: AuthenticatorTransport[] }>,
  ): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /**
   * Uses the assertion's challenge up (CeremonyFailedError when it is not an open sign-in challenge),
   * then verifies the assertion against `passkey`; CeremonyFailedError when it does not verify.
   */
  consumeAuthenticationChallenge(response: AuthenticationResponseJSON): Promise<void>;
  verifyAuthentication(response: AuthenticationResponseJSON, passkey: PasskeyEntity): Promise<VerifiedAssertion>;
  /**
   * Stand-in credentials for an address with no passkey: derived from the address with a server
   * secret, so repeated calls answer the same ids and nobody can tell them from real ones.
   */
  fakeCredentials(email: string): Array<{ id: string; transports: AuthenticatorTransport[] }>;
  /** A new random user handle (base64url of 32 bytes). */
  newUserHandle(): string;
}

/** The key fake credential ids are derived with: from the signing secret or key, never stored. */
function fakeIdKey(jwt: Pick<JwtConfig, 'secret' | 'privateKey'>): Buffer {
  const material = jwt.secret ?? Buffer.from(jwt.privateKey ?? '', 'utf8');
  return Buffer.from(hkdfSync('sha256', material, 'graphql-auth-api', 'webauthn fake credential ids', 32));
}

export function createRelyingParty(
  config: WebauthnConfig,
  opts: {
    store: PasskeyStore;
    appUrl: string | undefined;
    port: number;
    jwt: Pick<JwtConfig, 'secret' | 'privateKey'>;
  },
): RelyingParty {
  const { store } = opts;
  let serverPort = opts.port;
  const appOrigin = opts.appUrl ? new URL(opts.appUrl).origin : undefined;
  const origins = () =>
    config.origins ?? [...new Set([...(appOrigin ? [appOrigin] : []), `http://localhost:${serverPort}`])];
  const key = fakeIdKey(opts.jwt);

  async function newChallenge(purpose: 'registration' | 'authentication', userId: string | null) {
    // Anyone may start a sign-in, so the table is swept now and then here too, not only hourly
    // (db/housekeeping.ts): a flood of startPasskeyLogin leaves at most minutes of rows behind.
    if (Math.random() < SWEEP_CHANCE) void store.deleteExpiredChallenges().catch(() => {});
    const bytes = randomBytes(32);
    const challenge = bytes.toString('base64url');
    await store.createChallenge({
      challengeHash: hashChallenge(challenge),
      purpose,
      userId,
      expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
    });
    return new Uint8Array(bytes);
  }

  async function consume(clientDataJSON: string, purpose: 'registration' | 'authentication', userId: string | null) {
    const challenge = challengeOf(clientDataJSON);
    if (!CHALLENGE_FORMAT.test(challenge) || !(await store.consumeChallenge(hashChallenge(challenge), purpose, userId)))
      throw new CeremonyFailedError('challenge unknown, used, expired, or made for another ceremony');
    return challenge;
  }

  return {
    rpId: config.rpId,
    origins,
    setServerOrigin(origin) {
      const u = new URL(origin);
      serverPort = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    },

    async registrationOptions(input) {
      const { generateRegistrationOptions } = await loadWebAuthn();
      return generateRegistrationOptions({
        rpName: config.rpName,
        rpID: config.rpId,
        userName: input.userName,
        userDisplayName: input.displayName,
        userID: new Uint8Array(Buffer.from(input.handle, 'base64url')),
        challenge: await newChallenge('registration', input.userId),
        timeout: CEREMONY_TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: input.exclude.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
    },

    async verifyRegistration(userId, response) {
      const challenge = await consume(response.response.clientDataJSON, 'registration', userId);
      const { verifyRegistrationResponse } = await loadWebAuthn();
      let result: Awaited<ReturnType<WebAuthn['verifyRegistrationResponse']>>;
      try {
        result = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: origins(),
          expectedRPID: config.rpId,
          requireUserPresence: true,
          requireUserVerification: false,
          supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
        });
      } catch (e) {
        throw new CeremonyFailedError(e instanceof Error ? e.message : String(e));
      }
      if (!result.verified) throw new CeremonyFailedError('registration not verified');
      const info = result.registrationInfo;
      return {
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: (response.response.transports ?? []).filter((t) => /^[a-z-]{1,32}$/.test(t)).join(','),
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        userVerified: info.userVerified,
      };
    },

    async authenticationOptions(allow) {
      const { generateAuthenticationOptions } = await loadWebAuthn();
      return generateAuthenticationOptions({
        rpID: config.rpId,
        allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports })),
        challenge: await newChallenge('authentication', null),
        timeout: CEREMONY_TIMEOUT_MS,
        userVerification: 'preferred',
      });
    },

    async consumeAuthenticationChallenge(response) {
      await consume(response.response.clientDataJSON, 'authentication', null);
    },

    async verifyAuthentication(response, passkey) {
      const { verifyAuthenticationResponse } = await loadWebAuthn();
      let result: Awaited<ReturnType<WebAuthn['verifyAuthenticationResponse']>>;
      try {
        result = await verifyAuthenticationResponse({
          response,
          // Already consumed by consumeAuthenticationChallenge: what the browser signed is that one.
          expectedChallenge: challengeOf(response.response.clientDataJSON),
          expectedOrigin: origins(),
          expectedRPID: config.rpId,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: passkey.counter,
            transports: transportsOf(passkey),
          },
          requireUserVerification: false,
        });
      } catch (e) {
        throw new CeremonyFailedError(e instanceof Error ? e.message : String(e));
      }
      if (!result.verified) throw new CeremonyFailedError('signature not verified');
      const info = result.authenticationInfo;
      return { newCounter: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
    },

    fakeCredentials(email) {
      const mac = (i: number) => createHmac('sha256', key).update(`${i}|${email}`).digest();
      const count = 1 + (mac(0)[0]! % 2);
      return Array.from({ length: count }, (_, i) => ({
        id: mac(i + 1).toString('base64url'),
        transports: ['hybrid', 'internal'] as AuthenticatorTransport[],
      }));
    },

    newUserHandle: () => randomBytes(32).toString('base64url'),
  };
}
