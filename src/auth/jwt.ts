import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { JwtConfig } from '../config.js';
import type { Role } from '../db/entities/user.js';
import type { TokenProblem } from '../errors.js';

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
  /** `extra.sid`: the session the token belongs to (every sign-in and refresh passes it). */
  sign(user: { id: string; tokenVersion: number; role: Role }, extra?: { sid?: string }): Promise<string>;
  /** Resolves to the claims of a valid token; rejects with TokenError otherwise. */
  verify(token: string): Promise<AccessTokenClaims>;
  readonly expiresIn: number;
  /** Tokens in the verified-token cache now: for metrics. */
  cacheSize(): number;
}

const ALG = 'HS256';

function importHmacKey(bytes: Uint8Array, usages: KeyUsage[]): Promise<CryptoKey> {
  // Imported once as a non-extractable CryptoKey: jose then skips re-importing raw bytes per call.
  return crypto.subtle.importKey('raw', new Uint8Array(bytes), { name: 'HMAC', hash: 'SHA-256' }, false, usages);
}

export async function createTokenSigner(
  config: JwtConfig,
  /** Told of every cache lookup (true: a hit): for metrics; unset, nothing is called. */
  onCacheLookup?: (hit: boolean) => void,
): Promise<TokenSigner> {
  const signingKey = await importHmacKey(config.secret, ['sign', 'verify']);
  const verifyKeys = [
    signingKey,
    ...(await Promise.all(config.previousSecrets.map((s) => importHmacKey(s, ['verify'])))),
  ];
  const verifyOptions = {
    algorithms: [ALG],
    issuer: config.issuer,
    audience: config.audience,
    typ: 'JWT',
    requiredClaims: ['exp', 'iat', 'sub'],
    clockTolerance: config.clockTolerance,
  };

  /**
   * Tokens whose signature and claims were already checked, keyed by the whole compact token
   * (signature included), so only the exact same bytes hit. It remembers what HMAC said, nothing
   * about the user: every request still loads the user and compares its token version, so a
   * deletion, role change, password change or logout-all counts at once, on every instance. An
   * entry is used only until its `exp`; the cache lives and dies with the process and its keys.
   * It spares a WebCrypto job (a trip through libuv's thread pool) on every request but the first.
   */
  const verified = new LRUCache<string, AccessTokenClaims>({ max: VERIFIED_TOKEN_CACHE_SIZE });

  async function verifyWith(token: string): Promise<JWTPayload> {
    let lastError: unknown;
    for (const key of verifyKeys) {
      try {
        return (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (e) {
        // Only a signature mismatch may be a token from before a key rotation; anything else is final.
        if (!(e instanceof errors.JWSSignatureVerificationFailed)) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  return {
    expiresIn: config.expiresIn,
    cacheSize: () => verified.size,
    async sign(user, extra = {}) {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ ver: user.tokenVersion, role: user.role, ...(extra.sid ? { sid: extra.sid } : {}) })
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setSubject(String(user.id))
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + config.expiresIn)
        .setJti(randomUUID())
        .sign(signingKey);
    },
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('invalid', `token longer than ${MAX_TOKEN_LENGTH}`);
      const known = verified.get(token);
      // jose's rule: expired once exp <= now - clockTolerance. An expired entry falls through to the
      // full check below, which refuses it with the usual error.
      if (known && known.exp > Math.floor(Date.now() / 1000) - config.clockTolerance) {
        onCacheLookup?.(true);
        return known;
      }
      onCacheLookup?.(false);
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
      if (e instanceof errors.JWTExpired) throw new TokenError('expired', e.message);
      throw new TokenError('invalid', e instanceof Error ? `${e.name}: ${e.message}` : 'unknown');
    }
    const now = Math.floor(Date.now() / 1000);
    const { sub, ver, role, iat, exp, jti, sid } = payload;
    if (typeof iat !== 'number' || iat > now + config.clockTolerance) {
      throw new TokenError('invalid', 'iat is in the future');
    }
    if (typeof sub !== 'string' || sub === '' || !Number.isInteger(ver) || (role !== 'USER' && role !== 'ADMIN')) {
      throw new TokenError('invalid', 'missing or malformed sub/ver/role claims');
    }
    if (sid !== undefined && !(typeof sid === 'string' && sid !== '' && sid.length <= 64)) {
      throw new TokenError('invalid', 'malformed sid claim');
    }
    return Object.freeze({
      sub,
      ver: ver as number,
      role,
      iat,
      exp: exp as number,
      jti: typeof jti === 'string' ? jti : '',
      ...(typeof sid === 'string' ? { sid } : {}),
    });
  }
}
