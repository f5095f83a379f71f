import { constants, createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
import type { TestApp } from './app.js';
import type { GraphQLTestClient } from './client.js';

/** Anything that posts GraphQL: a test app (yoga.fetch) or a spawned server. */
type Client = Pick<GraphQLTestClient, 'gql'>;

/**
 * A software authenticator for the server tests: real WebAuthn ceremonies without a browser.
 * Keys come from node:crypto (ES256 on P-256, Ed25519, or RS256 on RSA 2048 as Windows Hello makes
 * them); the attestation object (fmt "none") and
 * the COSE public key are CBOR from @levischuck/tiny-cbor; assertions are signed over authData || SHA-256(clientDataJSON),
 * exactly as an authenticator does. Each option can be bent to play an attacker or a broken device.
 */

export type Alg = 'ES256' | 'Ed25519' | 'RS256';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface StoredCredential {
  id: string;
  alg: Alg;
  privateKey: KeyObject;
  cose: Buffer;
  counter: number;
  userHandle: string;
  rpId: string;
}

export interface CeremonyOverrides {
  /** The page origin signed into clientDataJSON (default: the authenticator's origin). */
  origin?: string;
  /** The RP id whose hash goes into authData (default: the one the options name). */
  rpId?: string;
  /** The challenge signed (default: the options'). */
  challenge?: string;
  /** User presence flag (default true). */
  up?: boolean;
  /** User verification flag (default: the authenticator's `uv`). */
  uv?: boolean;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** Which stored credential answers (default: the first one the options allow, or the first stored). */
  credentialId?: string;
  /** The counter put into authData (default: the stored one plus the step; 0 stays 0). */
  counter?: number;
  /** Sign with this key instead of the credential's (a forged assertion). */
  signWith?: KeyObject;
  /** The userHandle sent (default: the stored one); null leaves it out. */
  userHandle?: string | null;
}

// @levischuck/tiny-cbor: what @simplewebauthn/server decodes with, shortest-form lengths as
// authenticators emit, no native add-on (cbor-x's optional one broke `npm ci`'s lockfile check).
const encode = (value: CBORType) => encodeCBOR(value);

const b64u = (b: Buffer | Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

function coseKey(alg: Alg, publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (alg === 'RS256') {
    // kty RSA (3), alg RS256 (-257), n (the modulus), e (the public exponent): big-endian, unsigned
    return Buffer.from(
      encode(
        new Map<number, number | Buffer>([
          [1, 3],
          [3, -257],
          [-1, Buffer.from(jwk.n!, 'base64url')],
          [-2, Buffer.from(jwk.e!, 'base64url')],
        ]),
      ),
    );
  }
  const x = Buffer.from(jwk.x!, 'base64url');
  if (alg === 'ES256') {
    const y = Buffer.from(jwk.y!, 'base64url');
    // kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y
    return Buffer.from(
      encode(
        new Map<number, number | Buffer>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, x],
          [-3, y],
        ]),
      ),
    );
  }
  // kty OKP (1), alg EdDSA (-8), crv Ed25519 (6), x
  return Buffer.from(
    encode(
      new Map<number, number | Buffer>([
        [1, 1],
        [3, -8],
        [-1, 6],
        [-2, x],
      ]),
    ),
  );
}

export function newKeyPair(alg: Alg): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
}

function signWith(alg: Alg, key: KeyObject, data: Buffer): Buffer {
  // ES256: DER-encoded ECDSA (what WebAuthn carries); Ed25519: the raw 64-byte signature;
  // RS256: RSASSA-PKCS1-v1_5 over SHA-256 (the 256-byte signature of a 2048-bit key).
  if (alg === 'RS256') return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
  return alg === 'ES256' ? sign('sha256', data, key) : sign(null, data, key);
}

function authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const c = Buffer.alloc(4);
  c.writeUInt32BE(counter);
  return Buffer.concat([sha256(rpId), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
}

export class SoftAuthenticator {
  readonly credentials: StoredCredential[] = [];
  readonly alg: Alg;
  origin: string;
  /** Reports user verification (PIN/biometrics). */
  uv: boolean;
  /** A synced passkey (backup eligible and backed up). */
  synced: boolean;
  /** How much the counter moves per assertion; 0: an authenticator without a counter. */
  counterStep: number;
  readonly aaguid = Buffer.alloc(16);

  constructor(opts: { origin: string; alg?: Alg; uv?: boolean; synced?: boolean; counterStep?: number }) {
    this.origin = opts.origin;
    this.alg = opts.alg ?? 'ES256';
    this.uv = opts.uv ?? true;
    this.synced = opts.synced ?? false;
    this.counterStep = opts.counterStep ?? 1;
  }

  private flags(o: CeremonyOverrides, extra: number): number {
    return (
      ((o.up ?? true) ? FLAG_UP : 0) | ((o.uv ?? this.uv) ? FLAG_UV : 0) | (this.synced ? FLAG_BE | FLAG_BS : 0) | extra
    );
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: o.origin ?? this.origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): answers RegistrationResponseJSON for creation options. */
  create(options: any, o: CeremonyOverrides & { credentialId?: Buffer } = {}) {
    const rpId = o.rpId ?? options.rp.id;
    const { privateKey, publicKey } = newKeyPair(this.alg);
    const credId = o.credentialId ?? randomBytes(32);
    const cose = coseKey(this.alg, publicKey);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(credId.length);
    const counter = this.counterStep > 0 ? 1 : 0;
    const data = authData(rpId, this.flags(o, FLAG_AT), counter, Buffer.concat([this.aaguid, len, credId, cose]));
    const clientDataJSON = this.clientData('webauthn.create', o.challenge ?? options.challenge, o);
    const attestationObject = Buffer.from(
      encode(
        new Map<string, CBORType>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', data],
        ]),
      ),
    );
    const id = b64u(credId);
    if (!this.credentials.some((c) => c.id === id))
      this.credentials.push({ id, alg: this.alg, privateKey, cose, counter, userHandle: options.user.id, rpId });
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal', 'hybrid'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get(): answers AuthenticationResponseJSON for request options. */
  get(options: any, o: AssertionOverrides = {}) {
    const allowed: string[] = (options.allowCredentials ?? []).map((c: { id: string }) => c.id);
    const cred =
      this.credentials.find((c) => c.id === o.credentialId) ??
      (o.credentialId === undefined
        ? (this.credentials.find((c) => allowed.length === 0 || allowed.includes(c.id)) ?? undefined)
        : undefined);
    if (!cred) throw new Error('SoftAuthenticator: no credential for these options');
    const counter = o.counter ?? (this.counterStep > 0 ? cred.counter + this.counterStep : 0);
    if (o.counter === undefined) cred.counter = counter;
    const data = authData(o.rpId ?? options.rpId ?? cred.rpId, this.flags(o, 0), counter);
    const clientDataJSON = this.clientData('webauthn.get', o.challenge ?? options.challenge, o);
    const signature = signWith(this.alg, o.signWith ?? cred.privateKey, Buffer.concat([data, sha256(clientDataJSON)]));
    const userHandle = o.userHandle === undefined ? cred.userHandle : o.userHandle;
    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(data),
        signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

export const START_REGISTRATION = /* GraphQL */ `mutation { startPasskeyRegistration }`;
export const FINISH_REGISTRATION = /* GraphQL */ `
  mutation Finish($response: JSON!, $name: String) {
    finishPasskeyRegistration(response: $response, name: $name) {
      id name createdAt lastUsedAt synced backedUp transports
    }
  }
`;
export const START_LOGIN = /* GraphQL */ `mutation Start($email: String) { startPasskeyLogin(email: $email) }`;
export const FINISH_LOGIN = /* GraphQL */ `
  mutation Finish($response: JSON!) {
    finishPasskeyLogin(response: $response) { token refreshToken user { id email } }
  }
`;
export const PASSKEYS = /* GraphQL */ `{ passkeys { id name createdAt lastUsedAt synced backedUp transports } }`;
export const REMOVE_PASSKEY = /* GraphQL */ `mutation Remove($id: ID!) { removePasskey(id: $id) }`;

/** An authenticator for this app's first allowed origin. */
export function authenticatorFor(
  app: TestApp,
  opts: Omit<ConstructorParameters<typeof SoftAuthenticator>[0], 'origin'> = {},
) {
  return new SoftAuthenticator({ origin: app.services.passkeys.origins()[0]!, ...opts });
}

/** Registers a passkey from `authenticator` for the signed-in `token`; answers the Passkey. */
export async function registerPasskey(app: Client, token: string, authenticator: SoftAuthenticator, name?: string) {
  const start = await app.gql(START_REGISTRATION, {}, { token });
  if (start.body.errors) throw new Error(`startPasskeyRegistration: ${JSON.stringify(start.body.errors)}`);
  const response = authenticator.create(start.body.data.startPasskeyRegistration);
  const finish = await app.gql(FINISH_REGISTRATION, { response, name }, { token });
  if (finish.body.errors) throw new Error(`finishPasskeyRegistration: ${JSON.stringify(finish.body.errors)}`);
  return finish.body.data.finishPasskeyRegistration as { id: string; name: string | null; synced: boolean };
}

/** startPasskeyLogin's options (with `email`, or for discoverable credentials without). */
export async function loginOptions(app: Client, email?: string) {
  const res = await app.gql(START_LOGIN, email === undefined ? {} : { email });
  if (res.body.errors) throw new Error(`startPasskeyLogin: ${JSON.stringify(res.body.errors)}`);
  return res.body.data.startPasskeyLogin;
}
