import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, type JWK } from 'jose';
import { algorithmOfKey, type AsymmetricAlgorithm, type JwtAlgorithm } from '../settings/jwt-keys.js';

/**
 * Every key this server signs or verifies with, imported once at start. Each verification key is
 * pinned to one algorithm and found by its `kid` (its RFC 7638 thumbprint), never by anything a
 * token says about itself beyond that id: no embedded jwk, no jku/x5u to follow.
 */

export interface VerificationKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  key: CryptoKey;
  /** 'current' signs; 'next' is published ahead of a rotation; 'previous' signed before one. */
  role: 'current' | 'next' | 'previous';
}

export interface KeySet {
  algorithm: JwtAlgorithm;
  /** What `sign` uses; `kid` is undefined under HS256 (see SECURITY.md: why HS256 tokens carry none). */
  signing: { alg: JwtAlgorithm; kid: string | undefined; key: CryptoKey };
  /** Asymmetric keys by kid: the current one, the next one, the previous ones. */
  byKid: ReadonlyMap<string, VerificationKey>;
  /** HMAC keys for HS256 tokens (which carry no kid), current first; empty if HS256 is not accepted. */
  hmac: readonly CryptoKey[];
  /** The public JWKS document: public members, kid, alg, use. Never anything from an HMAC secret. */
  jwks: { keys: JWK[] };
}

export interface KeyMaterial {
  algorithm: JwtAlgorithm;
  /** HS256: the signing secret. */
  secret?: Uint8Array | undefined;
  previousSecrets: Uint8Array[];
  /** Asymmetric: the PKCS#8 PEM. */
  privateKey?: string | undefined;
  nextPublicKey: string | undefined;
  previousPublicKeys: string[];
}

function importHmacKey(bytes: Uint8Array, usages: KeyUsage[]): Promise<CryptoKey> {
  // Imported once as a non-extractable CryptoKey: jose then skips re-importing raw bytes per call.
  return crypto.subtle.importKey('raw', new Uint8Array(bytes), { name: 'HMAC', hash: 'SHA-256' }, false, usages);
}

/** The public JWK of an SPKI PEM, with its thumbprint as kid and its one algorithm. */
async function publicEntry(spki: string, role: VerificationKey['role']): Promise<{ entry: VerificationKey; jwk: JWK }> {
  const alg = algorithmOfKey(createPublicKey(spki));
  if (!alg) throw new Error('unsupported public key (checked at config load; unreachable)');
  const exportable = await importSPKI(spki, alg, { extractable: true });
  const { kty, crv, x, y, n, e } = await exportJWK(exportable);
  // Only the members RFC 7638 and RFC 7517 define for a public key, picked by name: nothing else
  // can slip into the published document.
  const pub: JWK = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined));
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const key = await importSPKI(spki, alg);
  return { entry: { kid, alg, key, role }, jwk: { ...pub, kid, alg, use: 'sig' } };
}

export async function loadKeySet(m: KeyMaterial): Promise<KeySet> {
  const byKid = new Map<string, VerificationKey>();
  const jwks: JWK[] = [];
  const add = async (spki: string, role: VerificationKey['role']) => {
    const { entry, jwk } = await publicEntry(spki, role);
    // The same key named twice (e.g. JWT_NEXT_PUBLIC_KEY left set after the switch) is one key.
    if (byKid.has(entry.kid)) return entry;
    byKid.set(entry.kid, entry);
    jwks.push(jwk);
    return entry;
  };

  let signing: KeySet['signing'];
  const hmac: CryptoKey[] = [];
  if (m.algorithm === 'HS256') {
    if (!m.secret) throw new Error('HS256 needs JWT_SECRET (or the development secret) before the signer is built');
    const key = await importHmacKey(m.secret, ['sign', 'verify']);
    hmac.push(key);
    signing = { alg: 'HS256', kid: undefined, key };
  } else {
    if (!m.privateKey) {
      throw new Error(`${m.algorithm} needs JWT_PRIVATE_KEY (or the development key) before the signer is built`);
    }
    const key = await importPKCS8(m.privateKey, m.algorithm);
    const spki = createPublicKey(m.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const current = await add(spki, 'current');
    signing = { alg: m.algorithm, kid: current.kid, key };
  }
  if (m.nextPublicKey) await add(m.nextPublicKey, 'next');
  for (const pem of m.previousPublicKeys) await add(pem, 'previous');
  // Old HMAC secrets verify HS256 tokens signed before a rotation, or before a switch to an
  // asymmetric algorithm; they never appear in the JWKS.
  for (const s of m.previousSecrets) hmac.push(await importHmacKey(s, ['verify']));

  return { algorithm: m.algorithm, signing, byKid, hmac, jwks: { keys: jwks } };
}
