import { randomUUID } from 'node:crypto';
import {
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
  SignJWT,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { JwtConfig } from '../config.js';
import type { Role } from '../db/entities/user.js';
import type { TokenProblem } from '../errors.js';
import type { JwtAlgorithm } from '../settings/jwt-keys.js';
import { isCanonicalCompactJws, isLowSEs256, lowSEs256 } from './compact-form.js';
import { loadKeySet } from './keys.js';

/** Tokens larger than this are refused before any cryptography runs. */
export const MAX_TOKEN_LENGTH = 8192;

/** Distinct tokens whose signature check is remembered; about 1 KiB each. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export interface AccessTokenClaims {
  /** The user's id. */
  sub: string;
  /** The user's token version at signing; see UserEntity.tokenVersion. */
  ver: number;
  /** The role at signing, for clients; the server rechecks the stored role. */
  role: Role;
  iat: number;
  exp: number;
  jti: string;
  /** The session (sign-in) the token belongs to; absent on tokens issued before sessions existed. */
  sid?: string;
  /**
   * When the user last proved their factors (OpenID Connect's `auth_time`, seconds); a refresh
   * keeps it. Absent on tokens from before it existed: step-up fields treat that as not recent.
   */
  auth_time?: number;
  /** How (RFC 8176): `["pwd"]`, or `["pwd","otp"]` with a TOTP or recovery code. */
  amr?: string[];
}

/** Claims a sign-in adds to the user's own (see accounts.ts `issue`). */
export interface SignExtras {
  sid?: string;
  /** Seconds since the epoch. */
  authTime?: number;
  amr?: string[];
}

export class TokenError extends Error {
  constructor(
    readonly problem: TokenProblem,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'TokenError';
  }
}

export interface TokenSigner {
  sign(user: { id: string; tokenVersion: number; role: Role }, extra?: SignExtras): Promise<string>;
  /** Resolves to the claims of a valid token; rejects with TokenError otherwise. */
  verify(token: string): Promise<AccessTokenClaims>;
  /**
   * The claims of a token this process has verified before and that has not expired, without
   * waiting; undefined when only verify() can tell (a new token, an expired or a bad one).
   */
  verifyKnown(token: string): AccessTokenClaims | undefined;
  readonly expiresIn: number;
  /** Tokens in the verified-token cache now: for metrics. */
  cacheSize(): number;
  /** The algorithm new tokens are signed with. */
  readonly algorithm: JwtAlgorithm;
  /** The public keys that verify our tokens, as served at /.well-known/jwks.json. */
  readonly jwks: { keys: JWK[] };
}

/** The only protected-header members our tokens carry; any other one (jwk, jku, x5u, x5c, crit...) is refused. */
const HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);

export async function createTokenSigner(
  config: JwtConfig,
  /** Told of every cache lookup (true: a hit): for metrics; unset, nothing is called. */
  onCacheLookup?: (hit: boolean) => void,
): Promise<TokenSigner> {
  const keys = await loadKeySet(config);
  const { signing } = keys;
  const verifyOptions = {
    issuer: config.issuer,
    audience: config.audience,
    typ: 'JWT',
    requiredClaims: ['exp', 'iat', 'sub'],
    clockTolerance: config.clockTolerance,
  };

  /**
   * The keys that may verify this token, from its header alone and before any cryptography: a
   * `kid` names one of our own asymmetric keys and the header's `alg` must be that key's; no `kid`
   * means HS256 against our HMAC secrets. Everything else (another algorithm, a foreign or missing
   * kid, an embedded or linked key) is refused here. A public key is never an HMAC key, so an HS256
   * token "signed" with it (algorithm confusion) has no key to verify against.
   */
  function candidates(token: string): { alg: JwtAlgorithm; keys: readonly CryptoKey[] } {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch (e) {
      throw new TokenError('invalid', `unreadable header: ${e instanceof Error ? e.message : 'unknown'}`);
    }
    for (const member of Object.keys(header)) {
      if (!HEADER_MEMBERS.has(member)) throw new TokenError('invalid', `header member "${member}" is not accepted`);
    }
    if (header.kid !== undefined) {
      const key = typeof header.kid === 'string' ? keys.byKid.get(header.kid) : undefined;
      if (!key) throw new TokenError('invalid', 'unknown kid');
      if (header.alg !== key.alg) throw new TokenError('invalid', `alg ${header.alg} is not ${key.alg}, its key's`);
      return { alg: key.alg, keys: [key.key] };
    }
    if (header.alg === 'HS256' && keys.hmac.length > 0) return { alg: 'HS256', keys: keys.hmac };
    throw new TokenError('invalid', `no key of ours for alg ${header.alg} without a kid`);
  }

  async function verifyWith(token: string): Promise<JWTPayload> {
    const { alg, keys: tryKeys } = candidates(token);
    // ECDSA's second spelling (s -> n - s) verifies too; we sign only the low-S one (see sign).
    // Here, on a cache miss only, like the spelling check in verify, and before any cryptography.
    if (alg === 'ES256' && !isLowSEs256(token)) throw new TokenError('invalid', 'ES256 signature is not low-S');
    let lastError: unknown;
    for (const key of tryKeys) {
      try {
        return (await jwtVerify(token, key, { ...verifyOptions, algorithms: [alg] })).payload;
      } catch (e) {
        // Only a signature mismatch may be a token from before a key rotation; anything else is final.
        if (!(e instanceof errors.JWSSignatureVerificationFailed)) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  /**
   * Tokens whose signature and claims were already checked, keyed by the whole compact token
   * (signature included), so only the exact same bytes hit; only canonical spellings get in
   * (./compact-form.ts), so one token has one entry. It remembers what the signature check said, nothing
   * about the user: every request still loads the user and compares its token version, so a
   * deletion, role change, password change or logout-all counts at once, on every instance. An
   * entry is used only until its `exp`; the cache lives and dies with the process and its keys.
   * It spares a WebCrypto job (a trip through libuv's thread pool) on every request but the first:
   * an HMAC under HS256, and far more under EdDSA, ES256 or RS256, whose verification costs 10 to
   * 100 times as much. Keys are fixed for the process's life, so an entry never outlives its key.
   */
  const verified = new LRUCache<string, AccessTokenClaims>({ max: VERIFIED_TOKEN_CACHE_SIZE });

  /** The claims of a token verified before and not yet expired, from memory; undefined otherwise. */
  function verifyKnown(token: string): AccessTokenClaims | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const known = verified.get(token);
    // jose's rule: expired once exp <= now - clockTolerance. An expired entry is not known: verify()
    // refuses it with the usual error.
    if (!known || known.exp <= Math.floor(Date.now() / 1000) - config.clockTolerance) return undefined;
    onCacheLookup?.(true);
    return known;
  }

  return {
    expiresIn: config.expiresIn,
    cacheSize: () => verified.size,
    algorithm: keys.algorithm,
    jwks: keys.jwks,
    async sign(user, extra = {}) {
      const iat = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        ver: user.tokenVersion,
        role: user.role,
        ...(extra.sid !== undefined ? { sid: extra.sid } : {}),
        ...(extra.authTime !== undefined ? { auth_time: extra.authTime } : {}),
        ...(extra.amr !== undefined ? { amr: extra.amr } : {}),
      })
        // HS256 keeps the header the contract fixes ({"alg":"HS256","typ":"JWT"}); asymmetric tokens name their key.
        .setProtectedHeader(
          signing.kid ? { alg: signing.alg, typ: 'JWT', kid: signing.kid } : { alg: 'HS256', typ: 'JWT' },
        )
        .setSubject(String(user.id))
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + config.expiresIn)
        .setJti(randomUUID())
        .sign(signing.key);
      // WebCrypto's ECDSA leaves s in either half; verify accepts only the low one (compact-form.ts).
      return signing.alg === 'ES256' ? lowSEs256(token) : token;
    },
    verifyKnown,
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('invalid', `token longer than ${MAX_TOKEN_LENGTH}`);
      const known = verifyKnown(token);
      if (known) return known;
      onCacheLookup?.(false);
      // On a miss only, so a cache hit costs no more: an entry is only ever made after this check,
      // so no other spelling of a token can be in the cache for verifyKnown to find.
      if (!isCanonicalCompactJws(token)) throw new TokenError('invalid', 'not canonical base64url (JWS compact)');
      const claims = await verifyFully(token);
      verified.set(token, claims);
      return claims;
    },
  };

  async function verifyFully(token: string): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      payload = await verifyWith(token);
    } catch (e) {
      if (e instanceof TokenError) throw e;
      if (e instanceof errors.JWTExpired) throw new TokenError('expired', e.message);
      throw new TokenError('invalid', e instanceof Error ? `${e.name}: ${e.message}` : 'unknown');
    }
    const now = Math.floor(Date.now() / 1000);
    const { sub, ver, role, iat, exp, jti, auth_time, amr, sid } = payload;
    if (typeof iat !== 'number' || iat > now + config.clockTolerance) {
      throw new TokenError('invalid', 'iat is in the future');
    }
    if (typeof sub !== 'string' || sub === '' || !Number.isInteger(ver) || (role !== 'USER' && role !== 'ADMIN')) {
      throw new TokenError('invalid', 'missing or malformed sub/ver/role claims');
    }
    if (sid !== undefined && !(typeof sid === 'string' && sid !== '' && sid.length <= 64)) {
      throw new TokenError('invalid', 'malformed sid claim');
    }
    // A sign-in cannot have happened after the token was issued.
    if (auth_time !== undefined && (!Number.isInteger(auth_time) || (auth_time as number) > iat)) {
      throw new TokenError('invalid', 'malformed auth_time claim');
    }
    if (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === 'string'))) {
      throw new TokenError('invalid', 'malformed amr claim');
    }
    return Object.freeze({
      sub,
      ver: ver as number,
      role,
      iat,
      exp: exp as number,
      jti: typeof jti === 'string' ? jti : '',
      ...(auth_time !== undefined ? { auth_time: auth_time as number } : {}),
      ...(amr !== undefined ? { amr: Object.freeze([...(amr as string[])]) as string[] } : {}),
      ...(typeof sid === 'string' ? { sid } : {}),
    });
  }
}
