import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { isHmac, keyMismatch } from './algorithms.js';
import { KeyRing, type RingKey } from './key-ring.js';

/**
 * Builds a key ring from an authority's JWKS, keeping only signature keys with a `kid` whose
 * algorithm is one this instance accepts and whose type fits that algorithm. Never called with
 * keys taken from a token.
 */
export function keyRingFromJwks(
  jwks: unknown,
  accepted: readonly JwtAlgorithm[],
  extra: readonly RingKey[] = [],
): { ring: KeyRing; skipped: string[] } {
  const keys: RingKey[] = [...extra];
  const skipped: string[] = [];
  const list = (jwks as { keys?: unknown })?.keys;
  for (const entry of Array.isArray(list) ? list : []) {
    const jwk = entry as JWK;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    const alg = jwk.alg as JwtAlgorithm | undefined;
    if (
      !kid ||
      !alg ||
      !accepted.includes(alg) ||
      isHmac(alg) ||
      (jwk.use !== undefined && jwk.use !== 'sig')
    ) {
      skipped.push(kid ?? '(no kid)');
      continue;
    }
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      if (
        key.type !== 'public' ||
        keyMismatch(alg, key.asymmetricKeyType, key.asymmetricKeyDetails)
      ) {
        skipped.push(kid);
        continue;
      }
      if (!keys.some((k) => k.kid === kid)) keys.push({ kid, alg, key, jwk });
    } catch {
      skipped.push(kid);
    }
  }
  // A lone key also verifies tokens that carry no kid (authorities that do not set one).
  return { ring: new KeyRing(undefined, keys.length === 1 ? keys[0] : undefined, keys), skipped };
}
